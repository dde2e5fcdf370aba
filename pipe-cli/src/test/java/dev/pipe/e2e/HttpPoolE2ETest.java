package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.balance.Strategy;
import dev.pipe.client.Balancing;
import dev.pipe.client.ClientConfig;
import dev.pipe.client.HealthCheck;
import dev.pipe.client.TunnelSpec;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerEvents;
import dev.pipe.server.TunnelInfo;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * http tunnels and the data-connection pool: a request that finds no idle data connection of its
 * tunnel takes a pooled one as a TCP user would (and the next requests its idle one), the answer
 * read through the pooled connection's watcher keeps its timeout, and a tunnel whose client finds
 * every local target down is answered by the server itself.
 */
@Timeout(60)
class HttpPoolE2ETest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final AtomicInteger viaPool = new AtomicInteger();
  private final AtomicInteger viaExchange = new AtomicInteger();
  private final ServerEvents dispatches =
      new ServerEvents() {
        @Override
        public void userConnectionDispatched(TunnelInfo tunnel, boolean pooled) {
          (pooled ? viaPool : viaExchange).incrementAndGet();
        }
      };

  private RecordingWebService web;
  private PipeServer server;

  @BeforeEach
  void start() throws Exception {
    web = RecordingWebService.start("web");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    web.close();
  }

  private RunningClient client(int pool, TunnelSpec tunnel) {
    ClientConfig.Builder config = RunningClient.builder(server.port(), Fixture.TOKEN, tunnel);
    server.fingerprint().ifPresent(config::serverFingerprint);
    return RunningClient.start(config.pool(pool).build());
  }

  private void awaitPooled(int count) throws InterruptedException {
    Fixture.eventually(
        WAIT,
        count + " idle pooled connections",
        () ->
            server.clients().size() == 1
                && server.clients().getFirst().pooled().getAsInt() == count);
  }

  @Test
  void aRequestTakesAPooledDataConnectionAndTheNextOnesItsIdleOne() throws Exception {
    server = PipeServer.start(Fixture.httpServerConfig().build(), dispatches);
    try (RunningClient client = client(2, http("web", web.port(), "pooled"))) {
      String host = client.awaitWeb("web").authority();
      awaitPooled(2);
      for (int i = 1; i <= 3; i++) {
        try (RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
          RawHttp.Response response = connection.get(host, "/" + i, "Connection: close").read();
          assertThat(response.status()).isEqualTo(200);
          assertThat(response.body()).isEqualTo("web /" + i + " ");
        }
      }
      assertThat(viaPool).as("the first request, over a pooled connection").hasValue(1);
      assertThat(viaExchange).as("no data connection was asked for").hasValue(0);
      assertThat(client.status().tunnels().getFirst().connectionsTotal())
          .as("the later requests took the data connection the first one left idle")
          .isEqualTo(1);
      awaitPooled(2);
    }
  }

  @Test
  void withoutAPoolARequestAsksItsClientForADataConnection() throws Exception {
    server = PipeServer.start(Fixture.httpServerConfig().build(), dispatches);
    try (RunningClient client = client(0, http("web", web.port(), "exchanged"));
        RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
      String host = client.awaitWeb("web").authority();
      assertThat(connection.get(host, "/one").read().body()).isEqualTo("web /one ");
      assertThat(viaExchange).hasValue(1);
      assertThat(viaPool).hasValue(0);
    }
  }

  @Test
  void aSilentServiceBehindAPooledDataConnectionGetsA504InTime() throws Exception {
    server =
        PipeServer.start(
            Fixture.httpServerConfig()
                .limits(limits -> limits.httpIdleTimeout(Duration.ofSeconds(1)))
                .build(),
            dispatches);
    // Connections wait in its backlog, accepted by the kernel and never answered.
    try (ServerSocket silent = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        RunningClient client = client(1, http("web", silent.getLocalPort(), "silent"));
        RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
      String host = client.awaitWeb("web").authority();
      awaitPooled(1);
      long start = System.nanoTime();
      RawHttp.Response response = connection.get(host, "/").read();
      assertThat(response.status()).isEqualTo(504);
      assertThat(response.body()).contains("did not answer within 1 seconds");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT);
      assertThat(viaPool).hasValue(1);
    }
  }

  @Test
  void whileEveryLocalTargetIsDownTheServerAnswers503Itself() throws Exception {
    server = PipeServer.start(Fixture.httpServerConfig().build(), dispatches);
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    HealthCheck check =
        new HealthCheck(
            HealthCheck.Kind.TCP, "/", Duration.ofMillis(100), Duration.ofMillis(100), 1, 1);
    TunnelSpec down =
        http("web", closedPort, "down")
            .withBalancing(
                new Balancing(
                    List.of(), Strategy.ROUND_ROBIN, Optional.empty(), Optional.of(check)));
    try (RunningClient client = client(1, down)) {
      String host = client.awaitWeb("web").authority();
      Fixture.eventually(
          WAIT,
          "the server to answer 503 for the unhealthy tunnel",
          () -> {
            try (RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
              RawHttp.Response response = connection.get(host, "/").read();
              return response.status() == 503 && response.body().contains("health check");
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
      int asked = viaPool.get() + viaExchange.get();
      try (RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
        assertThat(connection.get(host, "/").read().status()).isEqualTo(503);
      }
      assertThat(viaPool.get() + viaExchange.get())
          .as("nothing was asked of the client for a 503")
          .isEqualTo(asked);
    }
  }
}
