package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipe.proto.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's package) scrapes /metrics with the admin token, and the byte
 * counter of a tunnel it stored is the number of bytes the test sent; promtool lints the output.
 */
@Timeout(120)
class PrometheusScrapeE2ETest {
  private static final String PROMETHEUS = "/usr/bin/prometheus";
  private static final String PROMTOOL = "/usr/bin/promtool";
  private static final String ADMIN_TOKEN = "scrape-token-8d2e";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private int prometheusPort;

  @Test
  void prometheusScrapesTheTunnelsByteCounterAndPromtoolAcceptsTheOutput() throws Exception {
    assertThat(Path.of(PROMETHEUS))
        .as("Debian's prometheus package (.ci/run installs it)")
        .isExecutable();
    int sentUp = 123_457;
    int sentDown = 54_321;
    try (ServerSocket service = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        AdminFixture admin =
            AdminFixture.start(Fixture.serverConfig().adminToken(Secret.of(ADMIN_TOKEN)));
        RunningClient client =
            RunningClient.start(admin.server, tcp("scraped", service.getLocalPort(), 0))) {
      Thread.ofVirtual().start(() -> serveOnce(service, sentUp, sentDown));
      int port = client.awaitReady("scraped");
      try (Socket user = Fixture.connect(port)) {
        user.getOutputStream().write(Fixture.randomBytes(9, sentUp));
        user.shutdownOutput();
        assertThat(user.getInputStream().readAllBytes()).hasSize(sentDown);
      }

      Process prometheus = startPrometheus(admin.admin.port());
      try {
        String in = "pipe_tunnel_bytes_total{tunnel=\"scraped\",direction=\"in\"}";
        String out = "pipe_tunnel_bytes_total{tunnel=\"scraped\",direction=\"out\"}";
        Fixture.eventually(
            WAIT, "Prometheus to store the tunnel's byte counters", () -> query(in) == sentUp);
        assertThat(query(out)).isEqualTo(sentDown);
        assertThat(query("pipe_clients_connected")).isEqualTo(1);
        assertThat(query("pipe_tunnels_open{type=\"tcp\"}")).isEqualTo(1);
        assertThat(query("pipe_tunnel_connections_total{tunnel=\"scraped\"}")).isEqualTo(1);
        assertThat(query("up{job=\"pipe\"}"))
            .as("the scrape with the admin token worked")
            .isEqualTo(1);
      } finally {
        prometheus.destroy();
        prometheus.waitFor(10, TimeUnit.SECONDS);
      }

      String text =
          admin
              .get("/metrics", "Authorization", "Bearer " + ADMIN_TOKEN, "Accept", "text/plain")
              .body();
      assertThat(text)
          .contains("pipe_handshake_failures_total{reason=\"bad_token\"} 0")
          .contains("pipe_limit_rejections_total{limit=\"max_pending_connections\"} 0")
          .contains("jvm_memory_used_bytes");
      assertThat(promtoolCheck(text)).isEmpty();
    }
  }

  /** A service for one connection: reads {@code up} bytes, answers with {@code down}, closes. */
  private static void serveOnce(ServerSocket service, int up, int down) {
    try (Socket socket = service.accept()) {
      socket.setSoTimeout(30_000);
      socket.getInputStream().readNBytes(up);
      socket.getOutputStream().write(new byte[down]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Process startPrometheus(int adminPort) throws IOException {
    int webPort = Fixture.freePorts(1)[0];
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
        scrape_configs:
          - job_name: pipe
            authorization:
              type: Bearer
              credentials: %s
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """
            .formatted(ADMIN_TOKEN, adminPort));
    this.prometheusPort = webPort;
    return new ProcessBuilder(
            PROMETHEUS,
            "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + webPort,
            "--log.level=warn")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
  }

  /** The value of an instant query with one result, or -1 while Prometheus has none. */
  private long query(String expression) {
    URI uri =
        URI.create(
            "http://127.0.0.1:"
                + prometheusPort
                + "/api/v1/query?query="
                + URLEncoder.encode(expression, StandardCharsets.UTF_8));
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode result = JSON.readTree(response.body()).path("data").path("result");
      return result.size() == 1 ? Long.parseLong(result.get(0).get("value").get(1).asText()) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** What {@code promtool check metrics} says about the text; empty when it has no complaint. */
  private String promtoolCheck(String text) throws Exception {
    Path metrics = dir.resolve("metrics.txt");
    Files.writeString(metrics, text);
    Process promtool =
        new ProcessBuilder(List.of(PROMTOOL, "check", "metrics"))
            .redirectInput(metrics.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(promtool.exitValue()).as(output).isZero();
    return output.strip();
  }
}
