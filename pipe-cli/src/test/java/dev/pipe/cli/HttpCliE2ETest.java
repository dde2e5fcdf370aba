package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.HelloHttpServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * http tunnels as a user runs them: {@code pipe server --domain ... --http-port ...} and {@code
 * pipe client --type http --local PORT --subdomain demo} as separate processes. The client prints
 * the public URL; requests for that name reach the local web app; the basic-auth password, given
 * through the environment, appears in no line either process prints, even with --verbose.
 */
@Timeout(120)
class HttpCliE2ETest {
  private static final String TOKEN = "http-cli-token-3c9a";
  private static final String PASSWORD = "basic-auth-password-77d1";

  @TempDir Path dir;

  @Test
  void aWebAppIsReachedByItsSubdomainAndItsPasswordIsNeverPrinted() throws Exception {
    try (HelloHttpServer web = HelloHttpServer.start("127.0.0.1", 0);
        PipeProcess server =
            PipeProcess.start(
                dir,
                Map.of("PIPE_TOKEN", TOKEN),
                "--verbose",
                "server",
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--admin-port",
                "0",
                "--state-dir",
                dir.resolve("server-state").toString(),
                "--domain",
                "example.test",
                "--http-port",
                "0")) {
      int control = server.controlPort();
      int httpPort =
          Integer.parseInt(
              server
                  .await("http tunnels on port 127\\.0\\.0\\.1:(\\d+) as \\*\\.example\\.test")
                  .group(1));
      try (PipeProcess client =
          PipeProcess.start(
              dir,
              Map.of("PIPE_TOKEN", TOKEN, "PIPE_HTTP_PASSWORD", PASSWORD),
              "--verbose",
              "client",
              "--server",
              "127.0.0.1:" + control,
              "--type",
              "http",
              "--local",
              String.valueOf(web.port()),
              "--subdomain",
              "demo",
              "--http-user",
              "alice",
              "--status",
              "off",
              "--state-dir",
              dir.resolve("client-state").toString())) {
        client.await(
            "tunnel http-"
                + web.port()
                + " ready: http 127\\.0\\.0\\.1:"
                + web.port()
                + " -> http://demo\\.example\\.test:"
                + httpPort);
        String host = "demo.example.test:" + httpPort;
        assertThat(request(httpPort, host, null)).startsWith("HTTP/1.1 401 ");
        assertThat(request(httpPort, host, "alice:" + PASSWORD))
            .startsWith("HTTP/1.1 200 ")
            .contains("Hello from behind the tunnel!");
        assertThat(request(httpPort, "nobody.example.test:" + httpPort, null))
            .startsWith("HTTP/1.1 404 ");
        client.terminate();
        assertThat(client.awaitExit(Duration.ofSeconds(30))).isZero();
        assertThat(client.stdout() + client.stderr()).doesNotContain(PASSWORD);
      }
      server.terminate();
      assertThat(server.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(server.stdout() + server.stderr()).doesNotContain(PASSWORD);
    }
  }

  @Test
  void aHostileSubdomainIsRefusedWithTheReasonBeforeAnythingIsSent() throws Exception {
    try (PipeProcess client =
        PipeProcess.start(
            dir,
            Map.of("PIPE_TOKEN", TOKEN),
            "client",
            "--server",
            "127.0.0.1:1",
            "--type",
            "http",
            "--local",
            "3000",
            "--subdomain",
            "a\"}]",
            "--status",
            "off",
            "--state-dir",
            dir.resolve("client-state").toString())) {
      assertThat(client.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
      assertThat(client.stderr())
          .contains("error: --subdomain: subdomain 'a\"}]' is invalid: '\"' is not allowed");
    }
  }

  /** The whole response to one GET for {@code host}, with basic auth when given. */
  private static String request(int port, String host, String credentials) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      String authorization =
          credentials == null
              ? ""
              : "Authorization: Basic "
                  + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8))
                  + "\r\n";
      socket
          .getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: "
                      + host
                      + "\r\n"
                      + authorization
                      + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.UTF_8));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
