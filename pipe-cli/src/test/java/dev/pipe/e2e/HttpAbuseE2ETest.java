package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.config.Cidr;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerEvents;
import dev.pipe.server.ServerLimit;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP and HTTPS ports face the internet: heads and ClientHellos that never finish are cut at
 * the deadline, heads that are too large are refused, and one address cannot hold every connection.
 * Each limit is reported, and a legitimate request next to the attack still works.
 */
@Timeout(60)
class HttpAbuseE2ETest {
  private static final Duration HEAD_TIMEOUT = Duration.ofMillis(500);
  private static final int PER_SOURCE = 4;

  private final Map<ServerLimit, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final List<Socket> attackers = new ArrayList<>();
  private RecordingWebService service;
  private PipeServer server;
  private RunningClient client;

  @BeforeEach
  void start() throws Exception {
    service = RecordingWebService.start("app");
    ServerEvents counting =
        new ServerEvents() {
          @Override
          public void limitHit(ServerLimit limit) {
            hits.computeIfAbsent(limit, key -> new AtomicInteger()).incrementAndGet();
          }
        };
    server =
        PipeServer.start(
            Fixture.httpServerConfig()
                .httpsPort(0)
                .trustedProxies(List.<Cidr>of())
                .limits(
                    limits ->
                        limits
                            .httpHeaderTimeout(HEAD_TIMEOUT)
                            .maxHttpHeaderBytes(2_048)
                            .maxHttpConnectionsPerSource(PER_SOURCE))
                .build(),
            counting);
    client = RunningClient.start(server, http("app", service.port(), "app"));
    client.awaitWeb("app");
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket attacker : attackers) {
      attacker.close();
    }
    client.close();
    server.close();
    service.close();
  }

  private int hits(ServerLimit limit) {
    return hits.getOrDefault(limit, new AtomicInteger()).get();
  }

  private Socket attacker(int port) throws IOException {
    Socket socket = Fixture.connect(port);
    attackers.add(socket);
    return socket;
  }

  @Test
  void headsAndClientHellosThatNeverFinishAreCutAtTheDeadline() throws Exception {
    Socket silent = attacker(server.httpPort().getAsInt());
    Socket trickle = attacker(server.httpPort().getAsInt());
    trickle.getOutputStream().write("GET / HTTP/1.1\r\nHost: app.exa".getBytes());
    Socket halfHello = attacker(server.httpsPort().getAsInt());
    halfHello.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
    long start = System.nanoTime();
    for (Socket socket : List.of(silent, trickle, halfHello)) {
      assertThat(endOfStream(socket.getInputStream())).isTrue();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isLessThan(HEAD_TIMEOUT.multipliedBy(10));
    Fixture.eventually(
        Duration.ofSeconds(5),
        "three head timeouts reported",
        () -> hits(ServerLimit.HTTP_HEADER_TIMEOUT) == 3);
    assertThat(ok()).isTrue();
  }

  @Test
  void aHeadLargerThanTheLimitGets431() throws Exception {
    try (RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
      RawHttp.Response refused =
          connection.get("app." + Fixture.DOMAIN, "/", "X-Padding: " + "a".repeat(3_000)).read();
      assertThat(refused.status()).isEqualTo(431);
    }
    assertThat(hits(ServerLimit.MAX_HTTP_HEADER_BYTES)).isEqualTo(1);
    assertThat(service.seen()).isEmpty();
  }

  @Test
  void oneAddressCannotHoldEveryConnection() throws Exception {
    for (int i = 0; i < PER_SOURCE; i++) {
      attacker(server.httpPort().getAsInt());
    }
    Socket refused = attacker(server.httpsPort().getAsInt());
    assertThat(endOfStream(refused.getInputStream())).isTrue();
    assertThat(hits(ServerLimit.MAX_HTTP_CONNECTIONS_PER_SOURCE)).isEqualTo(1);
    for (Socket attacker : attackers) {
      attacker.close();
    }
    Fixture.eventually(Duration.ofSeconds(10), "a request to pass again", this::ok);
  }

  /** True if a request for the tunnel gets its answer. */
  private boolean ok() {
    try (RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
      return connection.get("app." + Fixture.DOMAIN, "/").read().status() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** True once the server closed the connection, whatever it said before. */
  private static boolean endOfStream(InputStream in) throws IOException {
    byte[] buffer = new byte[1_024];
    try {
      while (in.read(buffer) >= 0) {
        // Whatever the server says before it closes is not the point here.
      }
      return true;
    } catch (java.net.SocketException e) {
      return e.getMessage().contains("reset");
    } finally {
      assertThat(new String(buffer, StandardCharsets.ISO_8859_1)).doesNotContain("app /");
    }
  }
}
