package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.client.ClientFailure;
import dev.pipe.example.EchoServer;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proto.RejectReason;
import dev.pipe.proto.Secret;
import dev.pipe.server.PipeServer;
import dev.pipe.server.PortRanges;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What happens when things go wrong, one fault at a time; every test uses real sockets. */
@Timeout(60)
class FaultsE2ETest {
  private EchoServer echo;
  private PipeServer server;

  @BeforeEach
  void startEcho() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    echo.close();
  }

  @Test
  void aUserThatHalfClosesStillReceivesTheWholeResponse() throws Exception {
    server = PipeServer.start(Fixture.serverConfig().build());
    // A service that reads the whole request, then answers and closes.
    try (ServerSocket service = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        RunningClient client = RunningClient.start(server, tcp("rr", service.getLocalPort(), 0))) {
      Thread.ofVirtual()
          .start(
              () -> {
                try (Socket s = service.accept()) {
                  byte[] request = s.getInputStream().readAllBytes();
                  s.getOutputStream()
                      .write(("got " + request.length + " bytes").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      try (Socket user = Fixture.connect(client.awaitReady("rr"))) {
        user.getOutputStream().write(new byte[10_000]);
        user.shutdownOutput();
        assertThat(new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo("got 10000 bytes");
      }
    }
  }

  @Test
  void whenTheServiceHalfClosesTheUserSeesEofAndCanStillSend() throws Exception {
    server = PipeServer.start(Fixture.serverConfig().build());
    try (ServerSocket service = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        RunningClient client =
            RunningClient.start(server, tcp("greet", service.getLocalPort(), 0))) {
      java.util.concurrent.CompletableFuture<String> heard =
          new java.util.concurrent.CompletableFuture<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try (Socket s = service.accept()) {
                  s.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
                  s.shutdownOutput();
                  heard.complete(
                      new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                  heard.completeExceptionally(e);
                }
              });
      try (Socket user = Fixture.connect(client.awaitReady("greet"))) {
        assertThat(new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo("hello");
        user.getOutputStream().write("still here".getBytes(StandardCharsets.UTF_8));
        user.shutdownOutput();
        assertThat(heard.get()).isEqualTo("still here");
      }
    }
  }

  @Test
  void localServiceDownClosesTheUserPromptlyAndTheTunnelStaysUp() throws Exception {
    // A long pending timeout, so that only the client's ExchangeFailed can close the user quickly.
    server =
        PipeServer.start(
            Fixture.serverConfig().limits(l -> l.pendingTimeout(Duration.ofMinutes(5))).build());
    int freePort;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      freePort = probe.getLocalPort();
    }
    try (RunningClient client = RunningClient.start(server, tcp("down", freePort, 0))) {
      int port = client.awaitReady("down");
      try (Socket user = Fixture.connect(port)) {
        user.setSoTimeout(10_000);
        assertThat(readOrReset(user.getInputStream())).isEqualTo(-1);
      }
      // The service comes up: the same tunnel now works.
      try (EchoServer late = EchoServer.start(LOOPBACK, freePort)) {
        assertThat(TunnelE2ETest.echoRoundTrip(port, 7, 1000).call()).isTrue();
      }
    }
  }

  @Test
  void aWrongTokenStopsTheClientWithAMessageAboutTheToken() throws Exception {
    server = PipeServer.start(Fixture.serverConfig().build());
    try (RunningClient client =
        RunningClient.start(server, Secret.of("not-the-token"), tcp("t", echo.port(), 0))) {
      Throwable exit = client.awaitExit();
      assertThat(exit).isInstanceOf(ClientFailure.class).hasMessageContaining("token mismatch");
      assertThat(exit.getMessage()).contains("--token").doesNotContain("not-the-token");
    }
  }

  @Test
  void aRecordedLoginIsRejectedOnTheNextConnection() throws Exception {
    server = PipeServer.start(Fixture.plainServerConfig().build());
    byte[] recorded;
    try (RawClient first = RawClient.connect(server.port())) {
      recorded = first.loginFrame(Fixture.TOKEN);
      first.socket.getOutputStream().write(recorded);
      assertThat(first.channel.receive()).isInstanceOf(Message.LoginAccepted.class);
    }
    try (RawClient replay = RawClient.connect(server.port())) {
      replay.socket.getOutputStream().write(recorded);
      assertThat(replay.channel.receive())
          .isInstanceOfSatisfying(
              Message.Rejected.class,
              rejected -> assertThat(rejected.reason()).isEqualTo(RejectReason.BAD_TOKEN));
      assertThatThrownBy(replay.channel::receive).isInstanceOf(EOFException.class);
    }
  }

  @Test
  void takenAndDisallowedPortsAreRejectedWithReasonsAndOtherTunnelsWork() throws Exception {
    int[] ports = Fixture.freePorts(3);
    server =
        PipeServer.start(
            Fixture.serverConfig()
                .allowedPorts(PortRanges.parse(ports[0] + "," + ports[1]))
                .build());
    try (RunningClient first = RunningClient.start(server, tcp("holder", echo.port(), ports[0]))) {
      assertThat(first.awaitReady("holder")).isEqualTo(ports[0]);
      RunningClient second =
          RunningClient.start(
              server,
              tcp("taken", echo.port(), ports[0]),
              tcp("outside", echo.port(), ports[2]),
              tcp("fine", echo.port(), ports[1]));
      try (second) {
        assertThat(second.awaitRejected("taken"))
            .contains("port " + ports[0] + " is already taken");
        assertThat(second.awaitRejected("outside"))
            .contains(
                "port "
                    + ports[2]
                    + " is not allowed on this server (allowed: "
                    + ports[0]
                    + ","
                    + ports[1]
                    + ")");
        assertThat(second.awaitReady("fine")).isEqualTo(ports[1]);
        assertThat(TunnelE2ETest.echoRoundTrip(ports[0], 1, 10_000).call()).isTrue();
        assertThat(TunnelE2ETest.echoRoundTrip(ports[1], 2, 10_000).call()).isTrue();
      }
    }
  }

  @Test
  void aClientWhoseEveryTunnelIsRejectedStopsWithTheReasons() throws Exception {
    int[] ports = Fixture.freePorts(1);
    server =
        PipeServer.start(Fixture.serverConfig().allowedPorts(PortRanges.parse("1024")).build());
    try (RunningClient client = RunningClient.start(server, tcp("nope", echo.port(), ports[0]))) {
      assertThat(client.awaitExit())
          .isInstanceOf(ClientFailure.class)
          .hasMessageContaining("rejected every tunnel")
          .hasMessageContaining("tunnel nope: port " + ports[0] + " is not allowed");
    }
  }

  @Test
  void aClientThatGoesSilentLosesItsPortWithinTheHeartbeatTimeout() throws Exception {
    server =
        PipeServer.start(
            Fixture.plainServerConfig()
                .limits(l -> l.heartbeatInterval(Duration.ofMillis(200)))
                .build());
    int port = Fixture.freePorts(1)[0];
    try (RawClient silent = RawClient.connect(server.port())) {
      assertThat(silent.login()).isInstanceOf(Message.LoginAccepted.class);
      assertThat(silent.forward("mine", port)).isInstanceOf(Message.ForwardAccepted.class);
      // It never sends a heartbeat and never closes: after 3 x 200 ms the server gives up on it.
      Fixture.eventually(Duration.ofSeconds(5), "port " + port + " to be free", () -> isFree(port));
      try (RunningClient next = RunningClient.start(server, tcp("mine", echo.port(), port))) {
        assertThat(next.awaitReady("mine")).isEqualTo(port);
        assertThat(TunnelE2ETest.echoRoundTrip(port, 3, 1000).call()).isTrue();
      }
    }
  }

  @Test
  void aKilledClientReleasesItsPortAtOnce() throws Exception {
    server = PipeServer.start(Fixture.plainServerConfig().build());
    int port = Fixture.freePorts(1)[0];
    RawClient gone = RawClient.connect(server.port());
    assertThat(gone.login()).isInstanceOf(Message.LoginAccepted.class);
    assertThat(gone.forward("mine", port)).isInstanceOf(Message.ForwardAccepted.class);
    gone.socket.setSoLinger(true, 0);
    gone.close();
    Fixture.eventually(Duration.ofSeconds(5), "port " + port + " to be free", () -> isFree(port));
  }

  @Test
  void theClientComesBackByItselfAfterAServerRestart() throws Exception {
    server = PipeServer.start(Fixture.serverConfig().build());
    int controlPort = server.port();
    int port = Fixture.freePorts(1)[0];
    try (RunningClient client = RunningClient.start(server, tcp("web", echo.port(), port))) {
      assertThat(client.awaitReady("web")).isEqualTo(port);
      client.forgetReady("web");
      server.close();
      server = PipeServer.start(Fixture.serverConfig().port(controlPort).build());
      assertThat(client.awaitReady("web")).isEqualTo(port);
      assertThat(TunnelE2ETest.echoRoundTrip(port, 4, 100_000).call()).isTrue();
    }
  }

  @Test
  void anUnclaimedConnectionIdExpiresAndItsUserIsClosed() throws Exception {
    server =
        PipeServer.start(
            Fixture.plainServerConfig()
                .limits(l -> l.pendingTimeout(Duration.ofMillis(300)))
                .build());
    try (RawClient ignoring = RawClient.connect(server.port())) {
      assertThat(ignoring.login()).isInstanceOf(Message.LoginAccepted.class);
      Message.ForwardAccepted accepted = (Message.ForwardAccepted) ignoring.forward("t", 0);
      try (Socket user = Fixture.connect(accepted.remotePort())) {
        Message.Exchange exchange = ignoring.channel.receive(Message.Exchange.class);
        // The client never opens the data connection: the user is closed at the deadline.
        assertThat(readOrReset(user.getInputStream())).isEqualTo(-1);
        // A data connection that turns up late finds nothing to claim.
        RawClient[] data = new RawClient[1];
        try {
          assertThat(RawClient.dataLogin(server.port(), exchange.id(), data))
              .isInstanceOfSatisfying(
                  Message.Rejected.class,
                  r -> assertThat(r.reason()).isEqualTo(RejectReason.UNKNOWN_CONNECTION));
        } finally {
          data[0].close();
        }
      }
    }
  }

  @Test
  void anUnknownOrReusedConnectionIdClosesThatDataConnection() throws Exception {
    server = PipeServer.start(Fixture.plainServerConfig().build());
    RawClient[] data = new RawClient[1];
    try {
      assertThat(RawClient.dataLogin(server.port(), ConnectionId.random(), data))
          .isInstanceOf(Message.Rejected.class);
      assertThatThrownBy(data[0].channel::receive).isInstanceOf(EOFException.class);
    } finally {
      data[0].close();
    }
    try (RawClient control = RawClient.connect(server.port())) {
      control.login();
      Message.ForwardAccepted accepted = (Message.ForwardAccepted) control.forward("t", 0);
      try (Socket user = Fixture.connect(accepted.remotePort())) {
        ConnectionId id = control.channel.receive(Message.Exchange.class).id();
        RawClient[] first = new RawClient[1];
        RawClient[] second = new RawClient[1];
        try {
          assertThat(RawClient.dataLogin(server.port(), id, first))
              .isInstanceOf(Message.DataAccepted.class);
          assertThat(RawClient.dataLogin(server.port(), id, second))
              .isInstanceOf(Message.Rejected.class);
          // The first data connection carries the user's bytes.
          user.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
          assertThat(first[0].socket.getInputStream().readNBytes(4))
              .asString(StandardCharsets.UTF_8)
              .isEqualTo("ping");
        } finally {
          first[0].close();
          second[0].close();
        }
      }
    }
  }

  /** Reads one byte; a reset counts as the end of the stream, which is what the user sees. */
  private static int readOrReset(InputStream in) throws IOException {
    try {
      return in.read();
    } catch (SocketException e) {
      return -1;
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(LOOPBACK, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
