package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.RejectReason;
import dev.pipe.proto.Secret;
import dev.pipe.server.PipeServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a stranger on the internet can try: hold connections without logging in, flood the control
 * port, guess tokens, exhaust clients and tunnels. Each attack is bounded by a limit, and the
 * legitimate users next to it keep working.
 */
@Timeout(120)
class AbuseE2ETest {
  private EchoServer echo;
  private PipeServer server;
  private final List<Socket> attackers = new ArrayList<>();

  @BeforeEach
  void startEcho() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket socket : attackers) {
      socket.close();
    }
    if (server != null) {
      server.close();
    }
    echo.close();
  }

  @Test
  void slowlorisConnectionsDoNotKeepAClientOutAndAllCloseByTheDeadline() throws Exception {
    server = PipeServer.start(Fixture.serverConfig().build());
    long opened = System.nanoTime();
    // 1,000 connections from 16 addresses (62 each, under the per-source limit of 64): 900 say
    // nothing, 100 start a TLS record and then send one byte a second.
    for (int i = 0; i < 1_000; i++) {
      attackers.add(connectFrom("127.0.0." + (2 + i % 16), server.port()));
    }
    List<Socket> trickling = attackers.subList(900, 1_000);
    Thread trickle =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int second = 0; second < 10; second++) {
                      for (Socket socket : trickling) {
                        sendQuietly(socket, second == 0 ? 0x16 : 0x03);
                      }
                      Thread.sleep(1_000);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    try (RunningClient client = RunningClient.start(server, tcp("echo", echo.port(), 0))) {
      assertThat(TunnelE2ETest.echoRoundTrip(client.awaitReady("echo"), 1, 100_000).call())
          .isTrue();
    }
    Duration deadline = Limits.HANDSHAKE_TIMEOUT.plusSeconds(5);
    for (Socket socket : attackers) {
      assertThat(closedWithin(socket, deadline.minus(Duration.ofNanos(System.nanoTime() - opened))))
          .as("every slowloris connection is closed by the server")
          .isTrue();
    }
    trickle.interrupt();
  }

  @Test
  void aFloodBeyondTheUnauthenticatedLimitIsRefusedWhileTunnelsKeepMovingBytes() throws Exception {
    // A long deadline, so that only the limit, not a timeout, can close the flood's connections.
    server =
        PipeServer.start(
            Fixture.serverConfig()
                .limits(
                    l ->
                        l.maxUnauthenticatedConnections(50)
                            .handshakeTimeout(Duration.ofSeconds(20)))
                .build());
    try (RunningClient client = RunningClient.start(server, tcp("echo", echo.port(), 0));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      int port = client.awaitReady("echo");
      Future<Boolean> transfer = threads.submit(TunnelE2ETest.echoRoundTrip(port, 2, 32 << 20));
      for (int i = 0; i < 500; i++) {
        attackers.add(connectFrom("127.0.0." + (2 + i % 100), server.port()));
      }
      int refused = 0;
      for (Socket socket : attackers) {
        if (closedWithin(socket, Duration.ofMillis(20))) {
          refused++;
        }
      }
      assertThat(refused).as("connections beyond the limit are refused at once").isGreaterThan(400);
      assertThat(TunnelE2ETest.echoRoundTrip(port, 3, 100_000).call())
          .as("a new user connection during the flood: its data connection is the client's own")
          .isTrue();
      assertThat(transfer.get()).isTrue();
    }
  }

  @Test
  void repeatedBadTokensBanTheSourceAndOnlyThatSource() throws Exception {
    server =
        PipeServer.start(
            Fixture.plainServerConfig().limits(l -> l.loginFailuresBeforeBan(5)).build());
    for (int attempt = 0; attempt < 5; attempt++) {
      try (RawClient guesser = RawClient.connectFrom("127.0.0.2", server.port())) {
        assertThat(guesser.login(Secret.of("guess-" + attempt)))
            .isInstanceOfSatisfying(
                Message.Rejected.class,
                r -> assertThat(r.reason()).isEqualTo(RejectReason.BAD_TOKEN));
      }
    }
    try (Socket banned = connectFrom("127.0.0.2", server.port())) {
      assertThat(closedWithin(banned, Duration.ofSeconds(2)))
          .as("closed at accept, before the server even says Hello")
          .isTrue();
    }
    try (RawClient legitimate = RawClient.connectFrom("127.0.0.3", server.port())) {
      assertThat(legitimate.login()).isInstanceOf(Message.LoginAccepted.class);
    }
  }

  @Test
  void clientTunnelAndConnectionLimitsHold() throws Exception {
    server =
        PipeServer.start(
            Fixture.plainServerConfig()
                .limits(l -> l.maxClients(2).maxConnectionsPerTunnel(3))
                .build());
    try (RunningClient first = RunningClient.start(server, tcp("a", echo.port(), 0));
        RunningClient second = RunningClient.start(server, tcp("b", echo.port(), 0))) {
      int port = first.awaitReady("a");
      second.awaitReady("b");
      try (RawClient third = RawClient.connect(server.port())) {
        assertThat(third.login())
            .isInstanceOfSatisfying(
                Message.Rejected.class,
                r -> {
                  assertThat(r.reason()).isEqualTo(RejectReason.BUSY);
                  assertThat(r.message()).contains("its maximum of 2 clients");
                });
      }
      List<Socket> users = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          Socket user = Fixture.connect(port);
          user.getOutputStream().write(1);
          assertThat(user.getInputStream().read()).isEqualTo(1);
          users.add(user);
        }
        try (Socket fourth = Fixture.connect(port)) {
          assertThat(closedWithin(fourth, Duration.ofSeconds(5))).isTrue();
        }
        users.removeFirst().close();
        Fixture.eventually(
            Duration.ofSeconds(5),
            "a slot to come back",
            () -> {
              try (Socket again = Fixture.connect(port)) {
                again.getOutputStream().write(2);
                return again.getInputStream().read() == 2;
              } catch (IOException e) {
                return false;
              }
            });
      } finally {
        for (Socket user : users) {
          user.close();
        }
      }
    }
  }

  static Socket connectFrom(String localAddress, int port) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(localAddress, 0));
    socket.connect(new InetSocketAddress(LOOPBACK, port), 10_000);
    return socket;
  }

  private static void sendQuietly(Socket socket, int b) {
    try {
      socket.getOutputStream().write(b);
    } catch (IOException e) {
      // Already closed by the server: exactly what the test waits for.
    }
  }

  /** Drains the socket until the server closes it; false if it is still open after {@code wait}. */
  static boolean closedWithin(Socket socket, Duration wait) throws IOException {
    long deadline = System.nanoTime() + Math.max(wait.toNanos(), 1_000_000);
    InputStream in = socket.getInputStream();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }
}
