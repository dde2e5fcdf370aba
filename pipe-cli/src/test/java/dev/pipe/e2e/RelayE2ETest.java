package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.RELAY_SECRET;
import static dev.pipe.e2e.Fixture.relay;
import static dev.pipe.e2e.Fixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.Balancing;
import dev.pipe.client.ClientConfig;
import dev.pipe.client.TunnelSpec;
import dev.pipe.config.HostPort;
import dev.pipe.example.EchoServer;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerEvents;
import dev.pipe.server.TunnelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Relay circuits in one JVM on loopback: a provider behind a relay tunnel, visitors reaching it
 * through the server, every byte intact and encrypted between the two.
 */
@Timeout(120)
class RelayE2ETest {
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
  void start() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
    server =
        PipeServer.start(
            Fixture.serverConfig().limits(limits -> limits.relay(r -> r.maxCircuitRate(0))).build(),
            dispatches);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    echo.close();
  }

  @Test
  void fourConcurrentCircuitsEachCarryEightMebibytesBothWays() throws Exception {
    try (RunningClient provider = RunningClient.start(server, relay("home-echo", echo.port()));
        RunningClient visitor = RunningClient.visit(server, visitor("home-echo", RELAY_SECRET));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      assertThat(provider.awaitReady("home-echo")).isZero();
      int port = visitor.awaitVisitor("home-echo");
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(threads.submit(TunnelE2ETest.echoRoundTrip(port, i, 8 * 1024 * 1024)));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
      TunnelInfo tunnel =
          server.tunnels().stream().filter(t -> t.name().equals("home-echo")).findFirst().get();
      assertThat(tunnel.type()).isEqualTo(TunnelType.RELAY);
      assertThat(tunnel.traffic().connectionsTotal()).isEqualTo(4);
      assertThat(tunnel.traffic().bytesIn())
          .as("sealed records are larger")
          .isGreaterThan(32L << 20);
    }
  }

  /**
   * A provider with a TCP tunnel beside its relay tunnel, with the client's default pool and with
   * none: circuits always ask for a fresh data connection and leave the pool to the TCP tunnel's
   * users, and every byte arrives either way. A visitor, which has no TCP tunnel, keeps no pooled
   * connections open.
   */
  @ParameterizedTest(name = "pool {0}")
  @ValueSource(ints = {Limits.DEFAULT_POOL_CONNECTIONS, 0})
  void circuitsTakeNoPooledConnectionAndWorkWithAndWithoutAPool(int pool) throws Exception {
    ClientConfig.Builder config =
        RunningClient.builder(
                server.port(),
                Fixture.TOKEN,
                relay("home-echo", echo.port()),
                Fixture.tcp("web-echo", echo.port(), 0))
            .pool(pool);
    server.fingerprint().ifPresent(config::serverFingerprint);
    try (RunningClient provider = RunningClient.start(config.build());
        RunningClient visitor = RunningClient.visit(server, visitor("home-echo", RELAY_SECRET))) {
      int tcpPort = provider.awaitReady("web-echo");
      int circuitPort = port(provider, visitor);
      Fixture.eventually(
          Duration.ofSeconds(15), pool + " idle pooled connections", () -> pooled() == pool);
      for (int i = 0; i < 3; i++) {
        assertThat(TunnelE2ETest.echoRoundTrip(circuitPort, i, 100_000).call()).isTrue();
      }
      assertThat(pooled()).as("circuits leave the pool alone").isEqualTo(pool);
      assertThat(TunnelE2ETest.echoRoundTrip(tcpPort, 7, 100_000).call()).isTrue();

      assertThat(viaPool.get()).isEqualTo(pool > 0 ? 1 : 0);
      assertThat(viaExchange.get()).isEqualTo(pool > 0 ? 0 : 1);
      assertThat(tunnel("home-echo").traffic().connectionsTotal()).isEqualTo(3);
      assertThat(tunnel("web-echo").traffic().connectionsTotal()).isEqualTo(1);
      assertThat(provider.notices()).isEmpty();
      assertThat(visitor.notices()).isEmpty();
    }
  }

  /**
   * A reload gives the provider's relay tunnel a new secret and the visitor a new visitor with it:
   * the reservation is made again with the new key, new circuits need the new secret, and the
   * circuit already open carries on.
   */
  @Test
  void aReloadChangesARelayTunnelsSecretAndTheCircuitInFlightCarriesOn() throws Exception {
    Secret next = Secret.of("the-relay-secret-after-a-reload");
    try (RunningClient provider = RunningClient.start(server, relay("home-echo", echo.port()));
        RunningClient visitor = RunningClient.visit(server, visitor("home-echo", RELAY_SECRET));
        Socket held = Fixture.connect(port(provider, visitor))) {
      assertThat(echo(held, "before")).isEqualTo("before");

      provider.forgetReady("home-echo");
      provider.reload(
          RunningClient.config(
              server,
              Fixture.TOKEN,
              TunnelSpec.relay(
                  "home-echo",
                  new HostPort(LOOPBACK, echo.port()),
                  Optional.empty(),
                  Balancing.NONE,
                  next)));
      provider.awaitReady("home-echo");
      visitor.forgetVisitor("home-echo");
      ClientConfig.Builder visiting = RunningClient.builder(server.port(), Fixture.TOKEN);
      server.fingerprint().ifPresent(visiting::serverFingerprint);
      visitor.reload(visiting.visitor(visitor("home-echo", next)).build());
      int port = visitor.awaitVisitor("home-echo");

      assertThat(TunnelE2ETest.echoRoundTrip(port, 3, 100_000).call()).isTrue();
      assertThat(echo(held, "after")).as("the circuit in flight").isEqualTo("after");
      assertThat(provider.notices()).isEmpty();
      assertThat(visitor.notices()).isEmpty();
    }
  }

  private static String echo(Socket socket, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(bytes);
    return new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
  }

  /** Idle pooled data connections of every client of the server now. */
  private int pooled() {
    return server.clients().stream().mapToInt(client -> client.pooled().getAsInt()).sum();
  }

  private TunnelInfo tunnel(String name) {
    return server.tunnels().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aHalfCloseCrossesTheCircuitAndTheServiceClosingIsEndOfStream() throws Exception {
    try (ServerSocket service = new ServerSocket(0, 50, java.net.InetAddress.getByName(LOOPBACK));
        RunningClient provider =
            RunningClient.start(server, relay("home-service", service.getLocalPort()));
        RunningClient visitor =
            RunningClient.visit(server, visitor("home-service", RELAY_SECRET))) {
      provider.awaitReady("home-service");
      int port = visitor.awaitVisitor("home-service");
      Thread serviceThread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket accepted = service.accept()) {
                      byte[] request = accepted.getInputStream().readAllBytes();
                      OutputStream out = accepted.getOutputStream();
                      out.write(
                          ("got " + request.length + " bytes").getBytes(StandardCharsets.US_ASCII));
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
      try (Socket user = Fixture.connect(port)) {
        user.getOutputStream().write(new byte[100_000]);
        user.shutdownOutput();
        InputStream in = user.getInputStream();
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII))
            .isEqualTo("got 100000 bytes");
      }
      serviceThread.join(Duration.ofSeconds(10));
      assertThat(provider.notices()).isEmpty();
      assertThat(visitor.notices()).isEmpty();
    }
  }

  @Test
  void anOperatorSeesRelayTunnelsAndTheirCircuitsAndCanCloseOne() throws Exception {
    try (AdminFixture admin =
            AdminFixture.start(
                Fixture.serverConfig().limits(limits -> limits.relay(r -> r.maxCircuitRate(0))));
        RunningClient provider =
            RunningClient.start(admin.server, relay("home-echo", echo.port()));
        RunningClient visitor =
            RunningClient.visit(admin.server, visitor("home-echo", RELAY_SECRET));
        Socket circuit = Fixture.connect(port(provider, visitor))) {
      circuit.getOutputStream().write('x');
      assertThat(circuit.getInputStream().read()).isEqualTo('x');

      assertThat(admin.get("/api/tunnels").body())
          .contains("\"name\":\"home-echo\",\"type\":\"relay\",\"port\":0")
          .contains("\"connections\":1");
      String metrics = admin.get("/metrics", "Accept", "text/plain").body();
      assertThat(metrics)
          .contains("pipe_tunnels_open{type=\"relay\"} 1.0")
          .contains(
              "pipe_tunnel_connections_active{host=\"\",port=\"0\",tunnel=\"home-echo\",type=\"relay\"} 1.0");

      String id = admin.server.tunnels().getFirst().id();
      assertThat(admin.send("DELETE", "/api/tunnels/" + id + "?reason=maintenance").statusCode())
          .isEqualTo(200);
      assertThat(provider.awaitClosed("home-echo")).isEqualTo("maintenance");
      assertThat(circuit.getInputStream().read()).as("its circuit is cut").isEqualTo(-1);
      try (Socket refused = Fixture.connect(visitor.awaitVisitor("home-echo"))) {
        assertThat(refused.getInputStream().read()).isEqualTo(-1);
      }
      assertThat(visitor.awaitNotice("refused home-echo"))
          .contains("the provider is not connected to this server");
    }
  }

  private static int port(RunningClient provider, RunningClient visitor) throws Exception {
    provider.awaitReady("home-echo");
    return visitor.awaitVisitor("home-echo");
  }
}
