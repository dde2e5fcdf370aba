package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.WebOptions;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may claim which names: per-user subdomain globs and custom domains from [[users]], the random
 * name a tunnel gets when it may not have the one it asked for, and the refusals that say why.
 */
@Timeout(60)
class HttpNamesE2ETest {
  private static final Secret ALICE = Secret.of("alice-token-1234");
  private static final Secret BOB = Secret.of("bob-token-5678");

  @TempDir Path dir;
  private RecordingWebService service;
  private PipeServer server;

  @BeforeEach
  void start() throws Exception {
    service = RecordingWebService.start("site");
    Path users = dir.resolve("server.toml");
    Files.writeString(
        users,
        """
        [[users]]
        name = "alice"
        token = "alice-token-1234"
        allow_subdomains = ["alice", "alice-*"]
        allow_domains = ["alice.test", "*.alice.test"]

        [[users]]
        name = "bob"
        token = "bob-token-5678"
        """);
    server = PipeServer.start(Fixture.httpServerConfig().file(users).askPort(0).build());
  }

  @AfterEach
  void stop() {
    server.close();
    service.close();
  }

  private static WebOptions names(String subdomain, String... domains) {
    return new WebOptions(subdomain, List.of(domains), Optional.empty(), "");
  }

  @Test
  void aUserClaimsTheCustomDomainsItIsAllowed() throws Exception {
    try (RunningClient alice =
        RunningClient.start(
            server,
            ALICE,
            Fixture.web("site", TunnelType.HTTP, service.port(), names("", "www.alice.test")))) {
      int port = server.httpPort().getAsInt();
      assertThat(alice.awaitWeb("site").urls()).containsExactly("http://www.alice.test:" + port);
      try (RawHttp connection = new RawHttp(port)) {
        assertThat(connection.get("WWW.Alice.test.", "/").read().body()).isEqualTo("site / ");
      }
      assertThat(ask("www.alice.test")).as("a live custom domain").isEqualTo(200);
    }
    Fixture.eventually(
        Duration.ofSeconds(10),
        "the name allowed only by a wildcard to go with its tunnel",
        () -> askQuietly("www.alice.test") == 404);
    assertThat(ask("alice.test")).as("named exactly by the operator").isEqualTo(200);
  }

  @Test
  void aSubdomainTheUserMayNotHaveGivesARandomNameAndSaysWhy() throws Exception {
    try (RunningClient alice =
        RunningClient.start(server, ALICE, http("site", service.port(), "bob"))) {
      RunningClient.Web web = alice.awaitWeb("site");
      assertThat(web.notice())
          .startsWith("subdomain bob is not allowed for user alice; this tunnel got ");
      assertThat(web.host()).doesNotStartWith("bob.").endsWith("." + Fixture.DOMAIN);
    }
  }

  @Test
  void aCustomDomainTheUserMayNotHaveIsRefusedWithTheReason() throws Exception {
    try (RunningClient bob =
        RunningClient.start(
            server,
            BOB,
            Fixture.web("site", TunnelType.HTTP, service.port(), names("", "www.alice.test")))) {
      assertThat(bob.awaitRejected("site"))
          .isEqualTo(
              "custom domain www.alice.test is not allowed for user bob (allowed: none); the"
                  + " operator can add it to allow_domains");
    }
  }

  @Test
  void aServerWithoutTheRightPortSaysSo() throws Exception {
    try (PipeServer tcpOnly = PipeServer.start(Fixture.serverConfig().build());
        RunningClient client =
            RunningClient.start(
                tcpOnly,
                http("web", service.port(), "web"),
                Fixture.web("tls", TunnelType.HTTPS, service.port(), names("tls")))) {
      assertThat(client.awaitRejected("web"))
          .contains("serves no http tunnels")
          .contains("--domain");
      assertThat(client.awaitRejected("tls")).contains("serves no https tunnels");
    }
    try (PipeServer noDomain = PipeServer.start(Fixture.serverConfig().httpPort(0).build());
        RunningClient client = RunningClient.start(noDomain, http("web", service.port(), "web"))) {
      assertThat(client.awaitRejected("web"))
          .startsWith("this server has no domain (--domain), so it gives no subdomains");
    }
  }

  private int askQuietly(String name) {
    try {
      return ask(name);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private int ask(String name) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      URI uri =
          URI.create("http://127.0.0.1:" + server.askPort().getAsInt() + "/ask?domain=" + name);
      return http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }
  }
}
