package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.config.ConfigException;
import dev.pipe.proto.Proof;
import dev.pipe.proto.Secret;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
  @TempDir Path dir;

  private Path write(String toml) throws Exception {
    Path file = dir.resolve("server.toml");
    Files.writeString(file, toml);
    return file;
  }

  @Test
  void aFileSetsEveryKeyAndFlagsComeAfter() throws Exception {
    ServerConfig config =
        ServerConfig.builder()
            .file(
                write(
                    """
                    bind = "127.0.0.1"
                    port = 7000
                    token = "from-file"
                    allow_ports = "9000-9100"
                    tls = false
                    state_dir = "/var/lib/pipe"
                    heartbeat_interval = "5s"
                    handshake_timeout = "3s"
                    pending_timeout = "20s"
                    shutdown_grace = "1s"
                    max_pending_connections = 10
                    max_unauthenticated_connections = 11
                    max_unauthenticated_per_source = 12
                    max_clients = 13
                    max_tunnels_per_client = 14
                    max_connections_per_tunnel = 15
                    max_frame_bytes = 16384
                    login_failures_before_ban = 3
                    login_failure_window = "2m"
                    ban_duration = "1h"
                    """))
            .port(7001)
            .build();
    assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(7001);
    assertThat(config.tls().enabled()).isFalse();
    assertThat(config.tls().stateDir()).isEqualTo(Path.of("/var/lib/pipe"));
    ServerLimits limits = config.limits();
    assertThat(limits.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(limits.handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(limits.pendingTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(limits.shutdownGrace()).isEqualTo(Duration.ofSeconds(1));
    assertThat(limits.maxPendingConnections()).isEqualTo(10);
    assertThat(limits.maxUnauthenticatedConnections()).isEqualTo(11);
    assertThat(limits.maxUnauthenticatedPerSource()).isEqualTo(12);
    assertThat(limits.maxClients()).isEqualTo(13);
    assertThat(limits.maxTunnelsPerClient()).isEqualTo(14);
    assertThat(limits.maxConnectionsPerTunnel()).isEqualTo(15);
    assertThat(limits.maxFrameBytes()).isEqualTo(16384);
    assertThat(limits.loginFailuresBeforeBan()).isEqualTo(3);
    assertThat(limits.loginFailureWindow()).isEqualTo(Duration.ofMinutes(2));
    assertThat(limits.banDuration()).isEqualTo(Duration.ofHours(1));
    User shared = identify(config, "from-file");
    assertThat(shared.name()).isEqualTo(User.SHARED);
    assertThat(shared.allowedPorts().toString()).isEqualTo("9000-9100");
  }

  @Test
  void usersHaveTheirOwnTokensPortsNamesAndSources() throws Exception {
    ServerConfig config =
        ServerConfig.builder()
            .file(
                write(
                    """
                    allow_ports = "9000-9999"

                    [[users]]
                    name = "alice"
                    token = "alice-token"
                    allow_ports = "9100-9199"
                    allow_names = ["alice-*", "blog"]
                    deny_sources = ["203.0.113.0/24"]

                    [[users]]
                    name = "bob"
                    token = "bob-token"
                    """))
            .build();
    User alice = identify(config, "alice-token");
    assertThat(alice.name()).isEqualTo("alice");
    assertThat(alice.allowedPorts().contains(9150)).isTrue();
    assertThat(alice.allowedPorts().contains(9200)).isFalse();
    assertThat(alice.mayUseName("alice-web")).isTrue();
    assertThat(alice.mayUseName("blog")).isTrue();
    assertThat(alice.mayUseName("bob-web")).isFalse();
    assertThat(alice.sources().permits(InetAddress.ofLiteral("203.0.113.9"))).isFalse();
    User bob = identify(config, "bob-token");
    assertThat(bob.allowedPorts().contains(9200)).as("the server's ports by default").isTrue();
    assertThat(bob.mayUseName("anything")).isTrue();
    assertThat(config.credentials().identify(Proof.newNonce(), Proof.newNonce())).isEmpty();
  }

  @Test
  void credentialsThatWouldBeAmbiguousOrMissingAreRefused() throws Exception {
    assertThatThrownBy(() -> ServerConfig.builder().build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--allow-no-auth");
    assertThatThrownBy(
            () ->
                ServerConfig.builder()
                    .file(
                        write(
                            "[[users]]\nname = \"a\"\ntoken = \"same\"\n"
                                + "[[users]]\nname = \"b\"\ntoken = \"same\"\n"))
                    .build())
        .hasMessageContaining("users 'a' and 'b' have the same token");
    assertThatThrownBy(() -> ServerConfig.builder().token(Secret.of("t")).allowNoAuth(true).build())
        .hasMessageContaining("--allow-no-auth was given together with a token");
    assertThat(ServerConfig.builder().allowNoAuth(true).build().credentials().open()).isTrue();
    assertThat(ServerConfig.builder().token(Secret.of("t")).build().port()).isEqualTo(8910);
  }

  @Test
  void relayLimitsHaveTheSeedsDefaultsAndZeroLiftsEach() throws Exception {
    RelayLimits defaults = ServerConfig.builder().token(Secret.of("t")).build().limits().relay();
    assertThat(defaults)
        .isEqualTo(
            new RelayLimits(128, 16, 4, Duration.ofHours(1), Duration.ofMinutes(2), 1_000_000));
    RelayLimits set =
        ServerConfig.builder()
            .file(
                write(
                    """
                    token = "t"
                    max_reservations = 1
                    max_circuits = 2
                    max_circuits_per_peer = 3
                    reservation_ttl = "10m"
                    max_circuit_duration = "1h"
                    max_circuit_rate = "10MiB"
                    """))
            .build()
            .limits()
            .relay();
    assertThat(set)
        .isEqualTo(
            new RelayLimits(1, 2, 3, Duration.ofMinutes(10), Duration.ofHours(1), 10L << 20));
    RelayLimits lifted =
        ServerConfig.builder()
            .file(
                write(
                    """
                    token = "t"
                    max_reservations = 0
                    max_circuits = 0
                    max_circuits_per_peer = 0
                    reservation_ttl = 0
                    max_circuit_duration = "0s"
                    max_circuit_rate = 0
                    """))
            .build()
            .limits()
            .relay();
    assertThat(lifted).isEqualTo(new RelayLimits(0, 0, 0, Duration.ZERO, Duration.ZERO, 0));
    assertThat(RelayLimits.allows(0, Integer.MAX_VALUE)).isTrue();
    assertThat(RelayLimits.allows(4, 4)).isFalse();
  }

  @Test
  void relayLimitsOutOfBoundsSayWhatIsAllowed() throws Exception {
    assertThatThrownBy(
            () -> ServerConfig.builder().file(write("token = \"t\"\nmax_circuits = -1\n")).build())
        .hasMessageContaining(":2: 'max_circuits' must be a whole number, 0 for no limit");
    assertThatThrownBy(
            () ->
                ServerConfig.builder()
                    .file(write("token = \"t\"\nreservation_ttl = \"500ms\"\n"))
                    .build())
        .hasMessageContaining(":2: reservation_ttl must be 0")
        .hasMessageContaining("or at least 1s");
    assertThatThrownBy(
            () ->
                ServerConfig.builder()
                    .file(write("token = \"t\"\nmax_circuit_rate = \"fast\"\n"))
                    .build())
        .hasMessageContaining("'max_circuit_rate' is invalid");
    assertThatThrownBy(
            () ->
                ServerConfig.builder()
                    .token(Secret.of("t"))
                    .limits(
                        limits -> limits.relay(relay -> relay.maxCircuits(-1).maxCircuitRate(-5)))
                    .build())
        .as("flags are checked too, and every problem is listed")
        .hasMessageContaining("max_circuits is a count: 0 for no limit, or more; got -1")
        .hasMessageContaining("max_circuit_rate must be a rate like 1MB, or 0 for no limit");
    assertThatThrownBy(
            () ->
                ServerConfig.builder()
                    .file(
                        write(
                            """
                            token = "t"
                            max_circuits = -1
                            reservation_ttl = "500ms"
                            max_circuit_rate = "fast"
                            max_frame_bytes = 1
                            """))
                    .build())
        .as("a file's relay problems are listed with the others, each at its line")
        .hasMessageContaining(":2: 'max_circuits' must be a whole number")
        .hasMessageContaining(":3: reservation_ttl must be 0")
        .hasMessageContaining(":4: 'max_circuit_rate' is invalid")
        .hasMessageContaining(":5: max_frame_bytes must be between 1024");
  }

  private static User identify(ServerConfig config, String token) {
    String nonce = Proof.newNonce();
    return config
        .credentials()
        .identify(nonce, Proof.compute(Secret.of(token), nonce))
        .orElseThrow();
  }

  @Test
  void httpTunnelsNeedADomainOrAnHttpPortAndTheDomainImpliesPort80() throws Exception {
    HttpSettings none = ServerConfig.builder().token(Secret.of("t")).build().http();
    assertThat(none.port()).isEmpty();
    assertThat(none.httpsPort()).isEmpty();
    assertThat(none.askPort()).isEmpty();
    HttpSettings withDomain =
        ServerConfig.builder().token(Secret.of("t")).domain("Example.COM").build().http();
    assertThat(withDomain.domain()).contains("example.com");
    assertThat(withDomain.port()).contains(HttpSettings.DEFAULT_PORT);
    assertThat(withDomain.bindAddress()).isEqualTo("0.0.0.0");
    assertThat(withDomain.trusts(InetAddress.ofLiteral("127.0.0.1"))).isTrue();
    assertThat(withDomain.trusts(InetAddress.ofLiteral("203.0.113.9"))).isFalse();
  }

  @Test
  void httpKeysComeFromTheFileAndUsersGetTheServersNameRulesByDefault() throws Exception {
    ServerConfig config =
        ServerConfig.builder()
            .file(
                write(
                    """
                    token = "t"
                    domain = "example.com"
                    http_bind = "127.0.0.1"
                    http_port = 8080
                    https_port = 8443
                    public_https = true
                    ask_port = 8913
                    trusted_proxies = ["10.0.0.0/8"]
                    allow_subdomains = ["Demo-*"]
                    allow_domains = ["*.shared.test"]

                    [[users]]
                    name = "alice"
                    token = "alice-token"
                    allow_domains = ["alice.dev"]
                    """))
            .build();
    HttpSettings http = config.http();
    assertThat(http.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(http.port()).contains(8080);
    assertThat(http.httpsPort()).contains(8443);
    assertThat(http.publicHttps()).isTrue();
    assertThat(http.askPort()).contains(8913);
    assertThat(http.trusts(InetAddress.ofLiteral("127.0.0.1"))).isFalse();
    assertThat(http.trusts(InetAddress.ofLiteral("10.1.2.3"))).isTrue();
    Credentials credentials = config.credentials();
    assertThat(credentials.namesExactly("alice.dev")).isTrue();
    assertThat(credentials.namesExactly("x.shared.test")).as("a wildcard is not exact").isFalse();
    User alice = user(credentials, "alice-token");
    assertThat(alice.hosts().maySubdomain("demo-1")).as("the server's globs, lowercased").isTrue();
    assertThat(alice.hosts().maySubdomain("other")).isFalse();
    assertThat(alice.hosts().mayDomain("alice.dev")).isTrue();
    assertThat(alice.hosts().mayDomain("x.shared.test")).as("overridden for alice").isFalse();
    User shared = user(credentials, "t");
    assertThat(shared.hosts().mayDomain("x.shared.test")).isTrue();
    assertThat(shared.hosts().mayDomain("shared.test")).as("*. means below").isFalse();
  }

  @Test
  void everyProblemOfTheHttpKeysIsListedAtOnce() throws Exception {
    String trusted =
        String.join(", ", IntStream.range(0, 65).mapToObj(i -> "\"10.0." + i + ".0/24\"").toList());
    assertThatThrownBy(
            () ->
                ServerConfig.builder()
                    .file(
                        write(
                            """
                            token = "t"
                            domain = "*.example.com"
                            http_port = 70000
                            max_http_header_bytes = 100
                            trusted_proxies = [%s]

                            [[users]]
                            name = "alice"
                            token = "alice-token"
                            allow_domains = ["*alice.dev"]
                            """
                                .formatted(trusted)))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(":2: 'domain' is invalid")
        .hasMessageContaining(":3: 'http_port' must be a port between 0 and 65535, got 70000")
        .hasMessageContaining(":4: max_http_header_bytes must be between 1024 and 1048576, got 100")
        .hasMessageContaining(":5: at most 64 address blocks in trusted_proxies")
        .hasMessageContaining(":10: 'allow_domains' in [[users]] #1 is invalid");
  }

  private static User user(Credentials credentials, String token) {
    String nonce = Proof.newNonce();
    return credentials.identify(nonce, Proof.compute(Secret.of(token), nonce)).orElseThrow();
  }
}
