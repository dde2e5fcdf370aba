package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.server.PipeServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic HTTPS with a real Caddy (Debian's caddy package) in front, running the shipped
 * example/caddy/Caddyfile: on-demand certificates from Caddy's internal CA, asked for only when
 * pipe's ask check says the name is a live tunnel. curl then reaches the local service over HTTPS,
 * and a name with no tunnel gets no certificate.
 *
 * <p>For the test, the Caddyfile gets a few global options more: its own CA instead of an ACME one
 * ({@code local_certs}, nothing installed into any trust store), every listener on 127.0.0.1, free
 * ports, no admin endpoint; Caddy's home and data live in a temporary directory.
 */
@Timeout(120)
class CaddyE2ETest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NAME = "demo." + Fixture.DOMAIN;

  @TempDir Path dir;
  private RecordingWebService service;
  private PipeServer server;
  private RunningClient client;
  private Process caddy;
  private int httpsPort;

  @BeforeEach
  void start() throws Exception {
    service = RecordingWebService.start("demo");
    server = PipeServer.start(Fixture.httpServerConfig().publicHttps(true).askPort(0).build());
    client = RunningClient.start(server, http("demo", service.port(), "demo"));
    assertThat(client.awaitWeb("demo").urls()).containsExactly("https://" + NAME);
    int[] ports = Fixture.freePorts(2);
    httpsPort = ports[0];
    caddy = startCaddy(ports[1]);
  }

  @AfterEach
  void stop() throws Exception {
    if (caddy != null) {
      caddy.destroy();
      if (!caddy.waitFor(10, TimeUnit.SECONDS)) {
        caddy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    client.close();
    server.close();
    service.close();
  }

  private Process startCaddy(int httpPort) throws Exception {
    String shipped =
        Files.readString(
            Path.of(System.getProperty("pipe.repo", "..")).resolve("example/caddy/Caddyfile"),
            StandardCharsets.UTF_8);
    String testOptions =
        String.join(
            "\n\t",
            "{",
            "admin off",
            "http_port " + httpPort,
            "https_port " + httpsPort,
            "default_bind 127.0.0.1",
            "auto_https disable_redirects",
            "local_certs",
            "skip_install_trust");
    assertThat(shipped)
        .as("the shipped Caddyfile starts its global options with a line '{'")
        .containsPattern("(?m)^\\{$");
    Path caddyfile = dir.resolve("Caddyfile");
    Files.writeString(caddyfile, shipped.replaceFirst("(?m)^\\{$", testOptions));
    ProcessBuilder builder =
        new ProcessBuilder(
                "caddy", "run", "--adapter", "caddyfile", "--config", caddyfile.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("caddy.log").toFile());
    Map<String, String> environment = builder.environment();
    environment.put("HOME", dir.toString());
    environment.put("XDG_DATA_HOME", dir.resolve("data").toString());
    environment.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    environment.put("PIPE_ASK_PORT", String.valueOf(server.askPort().getAsInt()));
    environment.put("PIPE_HTTP_PORT", String.valueOf(server.httpPort().getAsInt()));
    Process process = builder.start();
    Fixture.eventually(WAIT, "Caddy to listen on " + httpsPort + "; " + log(), this::listening);
    return process;
  }

  private boolean listening() {
    try (Socket probe = new Socket(Fixture.LOOPBACK, httpsPort)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String log() {
    try {
      return "caddy log:\n" + Files.readString(dir.resolve("caddy.log"));
    } catch (IOException e) {
      return "no caddy log";
    }
  }

  /** Caddy's internal root certificate, which it writes when its CA starts. */
  private Path root() throws Exception {
    Path root = dir.resolve("data/caddy/pki/authorities/local/root.crt");
    Fixture.eventually(WAIT, "Caddy's root certificate", () -> Files.exists(root));
    return root;
  }

  private record Curl(int exit, String output) {}

  private Curl curl(String name, String path) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "curl",
                "--silent",
                "--show-error",
                "--max-time",
                "20",
                "--resolve",
                name + ":" + httpsPort + ":127.0.0.1",
                "--cacert",
                root().toString(),
                "https://" + name + ":" + httpsPort + path));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Curl(process.exitValue(), output);
  }

  @Test
  void curlReachesTheLocalServiceOverHttpsWithACertificateForItsName() throws Exception {
    Curl ok = curl(NAME, "/over-https");
    assertThat(ok.exit()).as(ok.output() + log()).isZero();
    assertThat(ok.output()).isEqualTo("demo /over-https ");
    RecordingWebService.Seen seen = service.seen().getFirst();
    assertThat(seen.header("X-forwarded-proto")).as("Caddy said it was HTTPS").isEqualTo("https");
    assertThat(seen.header("X-forwarded-for")).startsWith("127.0.0.1");
    assertThat(certificates()).containsExactly(NAME);
  }

  @Test
  void aNameWithNoTunnelGetsNoCertificateUntilATunnelHoldsIt() throws Exception {
    String late = "late." + Fixture.DOMAIN;
    Curl refused = curl(late, "/");
    assertThat(refused.exit())
        .as("curl's exit status (35: TLS failed); " + refused.output())
        .isEqualTo(35);
    assertThat(certificates()).isEmpty();
    try (RunningClient other = RunningClient.start(server, http("late", service.port(), "late"))) {
      other.awaitWeb("late");
      Curl ok = curl(late, "/now");
      assertThat(ok.exit()).as(ok.output() + log()).isZero();
      assertThat(ok.output()).isEqualTo("demo /now ");
    }
    assertThat(certificates()).containsExactly(late);
  }

  /** The names Caddy holds certificates for, in its storage. */
  private List<String> certificates() throws IOException {
    Path issued = dir.resolve("data/caddy/certificates/local");
    if (!Files.isDirectory(issued)) {
      return List.of();
    }
    try (Stream<Path> names = Files.list(issued)) {
      return names.map(path -> path.getFileName().toString()).toList();
    }
  }
}
