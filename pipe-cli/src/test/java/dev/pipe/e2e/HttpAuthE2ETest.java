package dev.pipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.WebOptions;
import dev.pipe.proto.Message;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Basic auth on an http tunnel is the server's job: a request without the right credentials gets
 * 401 from the server, and its client is never even asked for a data connection.
 */
@Timeout(60)
class HttpAuthE2ETest {
  private static final int FAILURES_BEFORE_BAN = 5;

  private RecordingWebService service;
  private PipeServer server;
  private RunningClient client;
  private String host;

  @BeforeEach
  void start() throws Exception {
    service = RecordingWebService.start("private");
    server =
        PipeServer.start(
            Fixture.httpServerConfig()
                .limits(limits -> limits.httpAuthFailuresBeforeBan(FAILURES_BEFORE_BAN))
                .build());
    WebOptions auth =
        new WebOptions(
            "private", List.of(), Optional.of(new Message.HttpAuth("alice", "s3cret pass")), "");
    client =
        RunningClient.start(server, Fixture.web("private", TunnelType.HTTP, service.port(), auth));
    host = client.awaitWeb("private").authority();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
    service.close();
  }

  private RawHttp.Response request(String... headers) throws Exception {
    try (RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
      RawHttp.Response response = connection.get(host, "/secret", headers).read();
      if (response.status() == 401) {
        assertThat(connection.closedByServer()).isTrue();
      }
      return response;
    }
  }

  private static String basic(String user, String password) {
    return "Authorization: Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void missingOrWrongCredentialsGet401AndNothingReachesTheClient() throws Exception {
    RawHttp.Response missing = request();
    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.header("WWW-Authenticate"))
        .isEqualTo("Basic realm=\"private." + Fixture.DOMAIN + "\", charset=\"UTF-8\"");
    assertThat(request(basic("alice", "wrong")).status()).isEqualTo(401);
    assertThat(request(basic("mallory", "s3cret pass")).status()).isEqualTo(401);
    assertThat(request("Authorization: Bearer s3cret pass").status()).isEqualTo(401);
    assertThat(request("Authorization: Basic !!!not-base64").status()).isEqualTo(401);

    assertThat(service.seen()).isEmpty();
    assertThat(client.status().tunnels().getFirst().connectionsTotal())
        .as("data connections the client opened")
        .isZero();
    assertThat(server.tunnels().getFirst().traffic().connectionsTotal()).isZero();
  }

  @Test
  void theRightCredentialsPassAndAreNotForwarded() throws Exception {
    RawHttp.Response ok = request(basic("alice", "s3cret pass"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("private /secret ");
    assertThat(service.seen().getFirst().header("Authorization")).isNull();
  }

  @Test
  void repeatedWrongPasswordsGetTheSourceBannedEvenWithTheRightOne() throws Exception {
    for (int i = 0; i < FAILURES_BEFORE_BAN; i++) {
      assertThat(request(basic("alice", "guess-" + i)).status()).isEqualTo(401);
    }
    RawHttp.Response banned = request(basic("alice", "s3cret pass"));
    assertThat(banned.status()).isEqualTo(429);
    assertThat(banned.header("Retry-After")).isNotNull();
    assertThat(service.seen()).isEmpty();
  }
}
