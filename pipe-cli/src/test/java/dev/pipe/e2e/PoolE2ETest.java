package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.ClientConfig;
import dev.pipe.example.EchoServer;
import dev.pipe.proto.Limits;
import dev.pipe.server.ClientInfo;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerEvents;
import dev.pipe.server.TunnelInfo;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool of data connections a client opens ahead of time: user connections take one at once, the
 * client refills it, dead ones are replaced, the server caps it, and without it every user
 * connection still gets a data connection the slow way.
 */
@Timeout(60)
class PoolE2ETest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private EchoServer echo;
  private PipeServer server;
  private final AtomicInteger viaPool = new AtomicInteger();
  private final AtomicInteger viaExchange = new AtomicInteger();
  private final ServerEvents dispatches =
      new ServerEvents() {
        @Override
        public void userConnectionDispatched(TunnelInfo tunnel, boolean pooled) {
          (pooled ? viaPool : viaExchange).incrementAndGet();
        }
      };

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

  private RunningClient client(int serverPort, int pool) {
    ClientConfig.Builder config =
        RunningClient.builder(serverPort, Fixture.TOKEN, tcp("echo", echo.port(), 0)).pool(pool);
    server.fingerprint().ifPresent(config::serverFingerprint);
    return RunningClient.start(config.build());
  }

  private int idlePooled() {
    List<ClientInfo> clients = server.clients();
    return clients.isEmpty() ? -1 : clients.getFirst().pooled().getAsInt();
  }

  private void awaitPooled(int count) throws InterruptedException {
    Fixture.eventually(WAIT, count + " idle pooled connections", () -> idlePooled() == count);
  }

  @Test
  void userConnectionsTakePooledConnectionsAndThePoolRefills() throws Exception {
    server = PipeServer.start(Fixture.serverConfig().build(), dispatches);
    try (RunningClient client = client(server.port(), 4)) {
      int port = client.awaitReady("echo");
      for (int i = 0; i < 10; i++) {
        awaitPooled(4);
        assertThat(TunnelE2ETest.echoRoundTrip(port, i, 10_000).call()).isTrue();
      }
      assertThat(viaPool.get()).isEqualTo(10);
      assertThat(viaExchange.get()).isZero();
      awaitPooled(4);
    }
  }

  @Test
  void theServerCapsThePool() throws Exception {
    server =
        PipeServer.start(
            Fixture.serverConfig().limits(limits -> limits.maxPoolPerClient(3)).build(),
            dispatches);
    try (RunningClient client = client(server.port(), 50)) {
      int port = client.awaitReady("echo");
      awaitPooled(3);
      assertThat(TunnelE2ETest.echoRoundTrip(port, 1, 10_000).call()).isTrue();
      awaitPooled(3);
      Thread.sleep(500);
      assertThat(idlePooled()).as("never above the cap").isEqualTo(3);
    }
  }

  @Test
  void deadPooledConnectionsAreReplaced() throws Exception {
    server =
        PipeServer.start(
            Fixture.serverConfig()
                .limits(limits -> limits.heartbeatInterval(Duration.ofMillis(200)))
                .build(),
            dispatches);
    try (CuttingProxy path = CuttingProxy.to(server.port());
        RunningClient client = client(path.port(), 4)) {
      int port = client.awaitReady("echo");
      awaitPooled(4);
      List<CuttingProxy.Link> before = path.links();
      // The first connection is the control connection; every other one waits in the pool.
      before.subList(1, before.size()).forEach(CuttingProxy.Link::cut);
      Fixture.eventually(
          WAIT,
          "four replacement pooled connections",
          () -> path.links().size() >= before.size() + 4);
      awaitPooled(4);
      assertThat(TunnelE2ETest.echoRoundTrip(port, 2, 100_000).call()).isTrue();
      assertThat(viaPool.get()).isEqualTo(1);
    }
  }

  @Test
  void aQuietUserConnectionOnAPooledConnectionOutlivesTheHeartbeatDeadline() throws Exception {
    Duration heartbeat = Duration.ofMillis(100);
    server =
        PipeServer.start(
            Fixture.serverConfig().limits(limits -> limits.heartbeatInterval(heartbeat)).build(),
            dispatches);
    try (RunningClient client = client(server.port(), 2)) {
      int port = client.awaitReady("echo");
      awaitPooled(2);
      try (Socket user = new Socket(LOOPBACK, port)) {
        user.setSoTimeout(10_000);
        assertThat(echo(user, "before")).isEqualTo("before");
        Thread.sleep(Limits.deadAfter(heartbeat).multipliedBy(4));
        assertThat(echo(user, "after a quiet while")).isEqualTo("after a quiet while");
      }
      assertThat(viaPool.get()).isEqualTo(1);
    }
  }

  private static String echo(Socket socket, String text) throws Exception {
    byte[] sent = text.getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(sent);
    return new String(socket.getInputStream().readNBytes(sent.length), StandardCharsets.UTF_8);
  }

  @Test
  void withoutAPoolEveryUserConnectionGetsItsOwnDataConnection() throws Exception {
    server = PipeServer.start(Fixture.serverConfig().build(), dispatches);
    try (RunningClient client = client(server.port(), 0)) {
      int port = client.awaitReady("echo");
      for (int i = 0; i < 5; i++) {
        assertThat(TunnelE2ETest.echoRoundTrip(port, i, 10_000).call()).isTrue();
      }
      assertThat(viaExchange.get()).isEqualTo(5);
      assertThat(viaPool.get()).isZero();
      assertThat(idlePooled()).isZero();
    }
  }
}
