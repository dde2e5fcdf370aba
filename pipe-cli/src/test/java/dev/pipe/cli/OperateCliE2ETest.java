package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.e2e.Fixture;
import dev.pipe.example.EchoServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Operating pipe as a user does, with the jar as separate processes: admin, status, stats. */
@Timeout(120)
class OperateCliE2ETest {
  private static final String TOKEN = "operate-token-40a1";
  private static final String ADMIN_TOKEN = "operate-admin-77c3";
  private static final Duration EXIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private EchoServer echo;

  @BeforeEach
  void startEcho() throws IOException {
    echo = EchoServer.start("127.0.0.1", 0);
  }

  @AfterEach
  void stopEcho() throws IOException {
    echo.close();
  }

  private PipeProcess server(String... extra) throws IOException {
    return server(0, extra);
  }

  private PipeProcess server(int controlPort, String... extra) throws IOException {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "server",
                "--bind",
                "127.0.0.1",
                "--port",
                String.valueOf(controlPort),
                "--admin-port",
                "0",
                "--state-dir",
                dir.resolve("server-state").toString()));
    args.addAll(List.of(extra));
    return PipeProcess.start(dir, Map.of("PIPE_TOKEN", TOKEN), args.toArray(String[]::new));
  }

  private static int adminPort(PipeProcess server) throws Exception {
    return Integer.parseInt(
        server.await("admin dashboard on http://127\\.0\\.0\\.1:(\\d+)/").group(1));
  }

  private PipeProcess client(int controlPort, String... extra) throws IOException {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "client",
                "--state-dir",
                dir.resolve("client-state").toString(),
                "--server",
                "127.0.0.1:" + controlPort,
                "--local",
                String.valueOf(echo.port()),
                "--remote",
                "0",
                "--name",
                "web"));
    args.addAll(List.of(extra));
    return PipeProcess.start(dir, Map.of("PIPE_TOKEN", TOKEN), args.toArray(String[]::new));
  }

  @Test
  void aNonLoopbackAdminBindWithoutCredentialsExitsWith1AndSaysHowToFixIt() throws Exception {
    try (PipeProcess server = server("--admin-bind", "0.0.0.0")) {
      assertThat(server.awaitExit(EXIT)).isEqualTo(1);
      assertThat(server.stderr())
          .startsWith("error: the admin dashboard would listen on 0.0.0.0:0 without credentials")
          .contains("--admin-token", "PIPE_ADMIN_TOKEN", "--admin-bind 127.0.0.1");
    }
  }

  @Test
  void anOperatorClosesATunnelThroughTheApiAndTheClientProcessSaysWhyAndStops() throws Exception {
    int statusPort = Fixture.freePorts(1)[0];
    try (PipeProcess server = server("--admin-token", ADMIN_TOKEN);
        PipeProcess client = client(server.controlPort(), "--status", "127.0.0.1:" + statusPort)) {
      int port = client.readyPort("web");
      int admin = adminPort(server);
      assertThat(PipeProcess.echoThrough(port, "before")).isEqualTo("before");

      client.await("status on http://127\\.0\\.0\\.1:" + statusPort + "/status");
      try (PipeProcess status =
          PipeProcess.start(dir, "status", "--client", "127.0.0.1:" + statusPort)) {
        assertThat(status.awaitExit(EXIT)).isZero();
        assertThat(status.stdout())
            .contains("server 127.0.0.1:", ": connected")
            .containsPattern(
                "web +tcp +127\\.0\\.0\\.1:"
                    + echo.port()
                    + " +"
                    + port
                    + " +ready +0 \\(1 total\\)");
      }

      assertThat(request("GET", admin, "/api/tunnels", "wrong-admin-token").statusCode())
          .isEqualTo(401);
      HttpResponse<String> tunnels = request("GET", admin, "/api/tunnels", ADMIN_TOKEN);
      Matcher id =
          java.util.regex.Pattern.compile("\"id\":\"([0-9a-f]+)\"").matcher(tunnels.body());
      assertThat(id.find()).as(tunnels.body()).isTrue();
      assertThat(request("DELETE", admin, "/api/tunnels/" + id.group(1), ADMIN_TOKEN).statusCode())
          .isEqualTo(200);

      client.await(
          "tunnel web closed by the server: closed by an operator from the admin API; this client"
              + " will not reopen it until it is restarted");
      assertThat(client.awaitExit(EXIT))
          .as("its only tunnel is gone: nothing to retry")
          .isEqualTo(1);
      assertThat(client.stderr()).contains("error: the server closed or rejected every tunnel");
      assertThat(server.stderr())
          .contains("tunnel web of client 127.0.0.1:")
          .doesNotContain(ADMIN_TOKEN)
          .doesNotContain("wrong-admin-token");
    }
  }

  @Test
  void theClientPrintsEachTunnelStateChange() throws Exception {
    int control = Fixture.freePorts(1)[0];
    try (PipeProcess first = server(control);
        PipeProcess client = client(control, "--status", "off")) {
      client.readyPort("web");
      first.terminate();
      assertThat(first.awaitExit(EXIT)).isZero();
      client.await(
          "tunnel web offline: the server said goodbye: the server is shutting down; reconnecting");
      try (PipeProcess second = server(control)) {
        client.await("(?s)offline.*tunnel web ready: tcp ");
      }
    }
  }

  @Test
  void statusWithoutARunningClientSaysWhereItLooked() throws Exception {
    int nobody = Fixture.freePorts(1)[0];
    try (PipeProcess status =
        PipeProcess.start(dir, "status", "--client", String.valueOf(nobody))) {
      assertThat(status.awaitExit(EXIT)).isEqualTo(2);
      assertThat(status.stderr())
          .contains("error: no pipe client answers on 127.0.0.1:" + nobody)
          .contains("is 'pipe client' running?");
    }
  }

  @Test
  void theServerLogsAStatsLineWithTheBytesSinceTheLastOne() throws Exception {
    Path config = dir.resolve("server.toml");
    Files.writeString(config, "stats_interval = \"1s\"\n");
    try (PipeProcess server = server("--config", config.toString());
        PipeProcess client = client(server.controlPort(), "--status", "off")) {
      int port = client.readyPort("web");
      server.await(
          "stats clients=1 tunnels=1 connections=0 bytes_in=0 bytes_out=0 \\(bytes in the last 1 s\\)");
      assertThat(PipeProcess.echoThrough(port, "12345")).isEqualTo("12345");
      server.await("stats clients=1 tunnels=1 connections=\\d bytes_in=5 ");
      server.await("stats clients=1 tunnels=1 connections=\\d bytes_in=\\d bytes_out=5 ");
    }
  }

  private static HttpResponse<String> request(
      String method, int adminPort, String path, String token)
      throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
              .timeout(Duration.ofSeconds(10))
              .header("Authorization", "Bearer " + token)
              .method(method, HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }
}
