package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import dev.pipe.server.PipeServer;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bytes through real tunnels on loopback: volume, concurrency, many clients. */
@Timeout(120)
class TunnelE2ETest {
  private EchoServer echo;
  private PipeServer server;

  @BeforeEach
  void start() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
    server = PipeServer.start(Fixture.serverConfig().build());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    echo.close();
  }

  @Test
  void hundredMebibytesUpAndDownArriveIntact() throws Exception {
    try (RunningClient client = RunningClient.start(server, tcp("echo", echo.port(), 0))) {
      int port = client.awaitReady("echo");
      long size = 100L * 1024 * 1024;
      try (Socket user = Fixture.connect(port);
          ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<String> sent = threads.submit(() -> Fixture.sendRandom(user, 42, size));
        Fixture.Received received = Fixture.receiveAll(user.getInputStream());
        assertThat(received.bytes()).isEqualTo(size);
        assertThat(received.sha256()).isEqualTo(sent.get());
      }
    }
  }

  @Test
  void twoHundredConcurrentConnectionsEachEchoOneMebibyte() throws Exception {
    try (RunningClient client = RunningClient.start(server, tcp("echo", echo.port(), 0));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      int port = client.awaitReady("echo");
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        long seed = i;
        results.add(threads.submit(echoRoundTrip(port, seed, 1024 * 1024)));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    }
  }

  @Test
  void manyClientsEachWithManyTunnels() throws Exception {
    List<RunningClient> clients = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        RunningClient client =
            RunningClient.start(
                server,
                tcp("a", echo.port(), 0),
                tcp("b", echo.port(), 0),
                tcp("c", echo.port(), 0));
        clients.add(client);
        for (String tunnel : List.of("a", "b", "c")) {
          int port = client.awaitReady(tunnel);
          for (int i = 0; i < 5; i++) {
            results.add(threads.submit(echoRoundTrip(port, c * 100L + i, 64 * 1024)));
          }
        }
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      clients.forEach(RunningClient::close);
    }
  }

  /** Sends {@code size} random bytes through the tunnel to the echo service and checks them. */
  static Callable<Boolean> echoRoundTrip(int port, long seed, int size) {
    return () -> {
      try (Socket user = Fixture.connect(port)) {
        Thread writer =
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        user.getOutputStream().write(Fixture.randomBytes(seed, size));
                        user.shutdownOutput();
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    });
        byte[] back = user.getInputStream().readAllBytes();
        writer.join();
        assertThat(back).isEqualTo(Fixture.randomBytes(seed, size));
        return true;
      }
    };
  }
}
