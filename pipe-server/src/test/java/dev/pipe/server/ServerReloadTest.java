package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.proto.Proof;
import dev.pipe.proto.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a reload of the server's config changes at once and what waits for a restart, for the http
 * tunnels' settings and limits, and which users it counts as changed.
 */
class ServerReloadTest {
  @TempDir Path dir;

  private ServerConfig config(String toml) throws Exception {
    Path file = dir.resolve("server-" + System.nanoTime() + ".toml");
    Files.writeString(file, toml);
    return ServerConfig.builder().file(file).build();
  }

  @Test
  void httpTimeoutsAndHeadBoundsApplyAtOnceAndWhatSizesTheHttpPortsWaits() throws Exception {
    ServerConfig before =
        config(
            """
            token = "t"
            domain = "example.test"
            http_port = 8080
            """);
    ServerConfig after =
        config(
            """
            token = "t"
            domain = "example.test"
            http_port = 8081
            http_header_timeout = "3s"
            http_idle_timeout = "30s"
            max_http_header_bytes = 4096
            max_http_header_lines = 50
            max_http_connections = 10
            max_http_connections_per_source = 5
            http_auth_failures_before_ban = 3
            """);

    ServerReload reload = ServerReload.between(before, after);

    assertThat(reload.restartOnly())
        .containsExactlyInAnyOrder(
            "domain, http_bind, http_port, https_port, public_https, ask_port, trusted_proxies",
            "max_http_connections",
            "max_http_connections_per_source",
            "http_auth_failures_before_ban");
    ServerLimits live = reload.limits();
    assertThat(live.httpHeaderTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(live.httpIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(live.maxHttpHeaderBytes()).isEqualTo(4096);
    assertThat(live.maxHttpHeaderLines()).isEqualTo(50);
    assertThat(live.maxHttpConnections()).isEqualTo(before.limits().maxHttpConnections());
    assertThat(live.maxHttpConnectionsPerSource())
        .isEqualTo(before.limits().maxHttpConnectionsPerSource());
    assertThat(live.httpAuthFailuresBeforeBan())
        .isEqualTo(before.limits().httpAuthFailuresBeforeBan());
  }

  @Test
  void anUnchangedConfigWaitsForNothing() throws Exception {
    String toml =
        """
        token = "t"
        domain = "example.test"
        https_port = 8443
        trusted_proxies = ["10.0.0.0/8"]
        """;
    assertThat(ServerReload.between(config(toml), config(toml)).restartOnly()).isEmpty();
  }

  @Test
  void aUserWhoseNamesChangedIsAnotherUserAndOneWhoseNamesDidNotIsTheSame() throws Exception {
    String alice =
        """
        [[users]]
        name = "alice"
        token = "alice-token"
        allow_subdomains = ["alice-*"]
        allow_domains = [%s]
        """;
    User before = alice(config(alice.formatted("\"alice.dev\"")));
    assertThat(config(alice.formatted("\"alice.dev\"")).credentials().holds(before)).isTrue();
    assertThat(
            config(alice.formatted("\"alice.dev\", \"*.alice.dev\"")).credentials().holds(before))
        .isFalse();
    assertThat(
            config(alice.formatted("\"alice.dev\"").replace("alice-*", "alice"))
                .credentials()
                .holds(before))
        .isFalse();
  }

  private static User alice(ServerConfig config) {
    String nonce = Proof.newNonce();
    return config
        .credentials()
        .identify(nonce, Proof.compute(Secret.of("alice-token"), nonce))
        .orElseThrow();
  }
}
