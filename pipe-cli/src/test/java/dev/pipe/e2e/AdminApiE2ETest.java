package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipe.client.TunnelStatus;
import dev.pipe.example.EchoServer;
import dev.pipe.proto.PipeVersion;
import dev.pipe.server.PipeServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin JSON API against a real server, client and service on loopback. */
@Timeout(60)
class AdminApiE2ETest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(15);

  private EchoServer echo;
  private AdminFixture admin;

  @BeforeEach
  void start() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
    admin = AdminFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    admin.close();
    echo.close();
  }

  private JsonNode json(String path) throws Exception {
    HttpResponse<String> response = admin.get(path);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(response.body());
  }

  private JsonNode tunnel(String name) throws Exception {
    for (JsonNode tunnel : json("/api/tunnels").get("tunnels")) {
      if (tunnel.get("name").asText().equals(name)) {
        return tunnel;
      }
    }
    return null;
  }

  @Test
  void listsClientsAndTunnelsWithByteCountsThatMoveWhileAConnectionIsOpen() throws Exception {
    try (RunningClient client = RunningClient.start(admin.server, tcp("web", echo.port(), 0))) {
      int port = client.awaitReady("web");
      JsonNode clients = json("/api/clients").get("clients");
      assertThat(clients).hasSize(1);
      assertThat(clients.get(0).get("version").asText()).isEqualTo(PipeVersion.software());
      assertThat(clients.get(0).get("tunnels").asInt()).isEqualTo(1);
      assertThat(clients.get(0).get("address").asText()).startsWith("127.0.0.1:");

      try (Socket user = Fixture.connect(port)) {
        OutputStream out = user.getOutputStream();
        InputStream in = user.getInputStream();
        // Two rounds on one open connection: the counts must move between them, not at the end.
        for (int round = 1; round <= 2; round++) {
          out.write(Fixture.randomBytes(round, 100_000));
          assertThat(in.readNBytes(100_000)).hasSize(100_000);
          long expected = round * 100_000L;
          Fixture.eventually(
              WAIT,
              "bytes in and out to reach " + expected,
              () -> {
                JsonNode web = unchecked(() -> tunnel("web"));
                return web.get("bytesIn").asLong() == expected
                    && web.get("bytesOut").asLong() == expected
                    && web.get("connections").asInt() == 1;
              });
        }
        JsonNode web = tunnel("web");
        assertThat(web.get("type").asText()).isEqualTo("tcp");
        assertThat(web.get("port").asInt()).isEqualTo(port);
        assertThat(web.get("client").get("address").asText())
            .isEqualTo(clients.get(0).get("address").asText());
      }
      Fixture.eventually(
          WAIT,
          "the connection to be counted as closed",
          () -> {
            JsonNode web = unchecked(() -> tunnel("web"));
            return web.get("connections").asInt() == 0 && web.get("connectionsTotal").asLong() == 1;
          });
    }
  }

  @Test
  void deletingATunnelClosesItsPortCutsItsConnectionsAndTheClientDoesNotReopenIt()
      throws Exception {
    int controlPort = admin.server.port();
    try (RunningClient client =
        RunningClient.start(
            admin.server, tcp("closing", echo.port(), 0), tcp("staying", echo.port(), 0))) {
      int closingPort = client.awaitReady("closing");
      int stayingPort = client.awaitReady("staying");
      String id = tunnel("closing").get("id").asText();
      try (Socket user = Fixture.connect(closingPort)) {
        user.getOutputStream().write(1);
        assertThat(user.getInputStream().read()).isEqualTo(1);

        HttpResponse<String> deleted =
            admin.send("DELETE", "/api/tunnels/" + id + "?reason=maintenance%20window");
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(JSON.readTree(deleted.body()).get("name").asText()).isEqualTo("closing");

        assertThat(client.awaitClosed("closing")).isEqualTo("maintenance window");
        assertThat(readOrFail(user)).as("the open connection is cut").isEqualTo(-1);
      }
      assertThatThrownBy(() -> Fixture.connect(closingPort).close())
          .as("the public port stops accepting")
          .isInstanceOf(ConnectException.class);
      assertThat(tunnel("closing")).isNull();
      assertThat(echoThrough(stayingPort)).isEqualTo(7);
      assertThat(client.status().tunnels())
          .extracting(TunnelStatus::name, TunnelStatus::state, TunnelStatus::detail)
          .contains(org.assertj.core.groups.Tuple.tuple("closing", "closed", "maintenance window"));

      // After a reconnect the client asks again for the tunnel it still has, not the closed one.
      admin.server.close();
      client.forgetReady("staying");
      try (PipeServer restarted =
          PipeServer.start(Fixture.serverConfig().port(controlPort).build())) {
        client.awaitReady("staying");
        assertThat(restarted.tunnels()).extracting(t -> t.name()).containsExactly("staying");
      }
    }
  }

  @Test
  void unknownIdsWrongMethodsAndUnknownPathsSayWhatToDo() throws Exception {
    HttpResponse<String> unknown = admin.send("DELETE", "/api/tunnels/0123456789abcdef");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("GET /api/tunnels lists the open ones");

    HttpResponse<String> wrongMethod = admin.send("POST", "/api/tunnels");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET, HEAD");

    assertThat(admin.get("/api/nothing").statusCode()).isEqualTo(404);
    assertThat(admin.get("/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void theHealthCheckAnswersOk() throws Exception {
    HttpResponse<String> health = admin.get("/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok\n");
  }

  @Test
  void withoutCredentialsOnlyLoopbackHostNamesAreServed() throws Exception {
    assertThat(admin.statusLineWithHost("/api/tunnels", "127.0.0.1:" + admin.admin.port()))
        .contains(" 200 ");
    assertThat(admin.statusLineWithHost("/api/tunnels", "localhost")).contains(" 200 ");
    assertThat(admin.statusLineWithHost("/api/tunnels", "attacker.example:8911"))
        .as("a page that rebound its DNS name to 127.0.0.1")
        .contains(" 403 ");
  }

  @Test
  void aDeleteFromAnotherOriginIsRefused() throws Exception {
    try (RunningClient client = RunningClient.start(admin.server, tcp("web", echo.port(), 0))) {
      client.awaitReady("web");
      String id = tunnel("web").get("id").asText();
      HttpResponse<String> refused =
          admin.send("DELETE", "/api/tunnels/" + id, "Origin", "http://attacker.example");
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(tunnel("web")).isNotNull();
    }
  }

  @Test
  void theDashboardIsServedWithAStrictContentSecurityPolicy() throws Exception {
    HttpResponse<String> page = admin.get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<script src=\"/app.js\"").doesNotContain("<script>");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("default-src 'none'", "script-src 'self'");
    assertThat(admin.get("/app.js").statusCode()).isEqualTo(200);
    assertThat(admin.get("/style.css").statusCode()).isEqualTo(200);
  }

  private static int echoThrough(int port) throws IOException {
    try (Socket user = Fixture.connect(port)) {
      user.getOutputStream().write(7);
      return user.getInputStream().read();
    }
  }

  /** The next byte, or -1 at end of stream; a reset counts as the end too. */
  private static int readOrFail(Socket socket) {
    try {
      return socket.getInputStream().read();
    } catch (IOException e) {
      return -1;
    }
  }

  private interface Check<T> {
    T get() throws Exception;
  }

  private static <T> T unchecked(Check<T> check) {
    try {
      return check.get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
