package dev.pipe.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.balance.Strategy;
import dev.pipe.config.ConfigException;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.proto.UdpSessions;
import dev.pipe.proxy.ProxyProtocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigTest {
  @TempDir Path dir;

  private Path write(String toml) throws Exception {
    Path file = dir.resolve("client.toml");
    Files.writeString(file, toml);
    return file;
  }

  @Test
  void tunnelsFromTheFileInOrderWithDefaults() throws Exception {
    ClientConfig config =
        ClientConfig.builder()
            .file(
                write(
                    """
                    server = "example.com:8910"
                    token = "t"

                    [[tunnels]]
                    name = "web"
                    local = 3000
                    remote = 9000
                    bandwidth = "1MiB"

                    [[tunnels]]
                    local = "192.168.1.5:22"
                    remote = 0
                    """))
            .build();
    assertThat(config.server()).isEqualTo(new HostPort("example.com", 8910));
    assertThat(config.reconnect()).isTrue();
    assertThat(config.tunnels()).hasSize(2);
    TunnelSpec web = config.tunnels().get(0);
    assertThat(web.local()).isEqualTo(new HostPort("127.0.0.1", 3000));
    assertThat(web.bandwidth())
        .hasValueSatisfying(b -> assertThat(b.bytesPerSecond()).isEqualTo(1 << 20));
    assertThat(config.tunnels().get(1).name()).isEqualTo("tcp-22");
  }

  @Test
  void aFlagTunnelReplacesTheFileTunnelOfTheSameName() throws Exception {
    ClientConfig config =
        ClientConfig.builder()
            .file(
                write(
                    "server = \"s:1\"\n[[tunnels]]\nname = \"web\"\nlocal = 3000\nremote = 9000\n"))
            .tunnel(new TunnelSpec("web", TunnelType.TCP, new HostPort("127.0.0.1", 4000), 9001))
            .build();
    assertThat(config.tunnels()).singleElement().extracting(TunnelSpec::remotePort).isEqualTo(9001);
  }

  @Test
  void mistakesAreReportedWithTheirLine() throws Exception {
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(write("server = \"s:1\"\n[[tunnels]]\nname = \"a\"\nremote = 1\n"))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(":2: [[tunnels]] #1: missing 'local'");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[tunnels]]\nname = \"a\"\nlocal = 1\nremote = 1\n"
                                + "[[tunnels]]\nname = \"a\"\nlocal = 2\nremote = 2\n"))
                    .build())
        .hasMessageContaining("'a' is used by two tunnels");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(write("[[tunnels]]\nlocal = 1\nremote = 70000\n"))
                    .build())
        .hasMessageContaining("must be a port between 0 and 65535");
  }

  @Test
  void everyProblemOfAFileIsReportedAtOnceWithItsLine() throws Exception {
    Path file =
        write(
            "server = \"s:1\"\nreconect = true\n[[tunnels]]\nlocal = \"nowhere\"\nremote = 1\n"
                + "[[tunnels]]\nlocal = 2\nremote = 2\nstrategy = \"fastest\"\n"
                + "group = \"g\"\nhealth_interval = \"1s\"\n");
    assertThatThrownBy(() -> ClientConfig.builder().file(file).build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(5)
                    .anySatisfy(p -> assertThat(p).contains(":2: 'reconect' unknown key"))
                    .anySatisfy(p -> assertThat(p).contains(":4: 'local' in [[tunnels]] #1"))
                    .anySatisfy(p -> assertThat(p).contains(":9: 'strategy' in [[tunnels]] #2"))
                    .anySatisfy(p -> assertThat(p).contains(":10: 'group' in [[tunnels]] #2 needs"))
                    .anySatisfy(
                        p -> assertThat(p).contains(":11: 'health_interval' in [[tunnels]] #2")));
  }

  @Test
  void groupsTargetsAndHealthChecksAreRead() throws Exception {
    ClientConfig config =
        ClientConfig.builder()
            .file(
                write(
                    "server = \"s:1\"\n[[tunnels]]\nname = \"web\"\nremote = 9000\n"
                        + "local = [\"127.0.0.1:3000\", \"3001\"]\ngroup = \"site\"\n"
                        + "group_key = \"k\"\nstrategy = \"weighted\"\nweight = 3\n"
                        + "health_check = \"http\"\nhealth_path = \"/up\"\n"
                        + "health_interval = \"500ms\"\nhealth_timeout = \"200ms\"\n"
                        + "health_failures = 2\nhealth_successes = 1\n"))
            .build();
    TunnelSpec web = config.tunnels().getFirst();
    assertThat(web.targets())
        .containsExactly(new HostPort("127.0.0.1", 3000), new HostPort("127.0.0.1", 3001));
    assertThat(web.balancing().strategy()).isEqualTo(Strategy.WEIGHTED);
    assertThat(web.balancing().group()).contains(new GroupSpec("site", Secret.of("k"), 3));
    assertThat(web.balancing().healthCheck())
        .contains(
            new HealthCheck(
                HealthCheck.Kind.HTTP,
                "/up",
                Duration.ofMillis(500),
                Duration.ofMillis(200),
                2,
                1));
  }

  @Test
  void udpTunnelsCarryTheirSessionSettingsWithDefaults() throws Exception {
    ClientConfig config =
        ClientConfig.builder()
            .file(
                write(
                    """
                    server = "example.com:8910"

                    [[tunnels]]
                    name = "wireguard"
                    type = "udp"
                    local = 51820
                    remote = 51820

                    [[tunnels]]
                    name = "dns"
                    type = "udp"
                    local = 53
                    remote = 5353
                    idle_timeout = "5s"
                    max_sessions = 10000
                    """))
            .build();
    assertThat(config.tunnels().get(0).udp()).contains(UdpSessions.DEFAULT);
    assertThat(config.tunnels().get(1).udp()).contains(new UdpSessions(5_000, 10_000));
  }

  @Test
  void udpSettingsAreCheckedAndBelongToUdpTunnelsOnly() throws Exception {
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "server = \"s:1\"\n[[tunnels]]\nlocal = 1\nremote = 1\n"
                                + "max_sessions = 10\n"))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            ":5: 'max_sessions' in [[tunnels]] #1 applies to udp tunnels only; remove it or set"
                + " type = \"udp\"");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "server = \"s:1\"\n[[tunnels]]\ntype = \"udp\"\nlocal = 1\n"
                                + "remote = 1\nidle_timeout = \"10ms\"\n"))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "'idle_timeout' in [[tunnels]] #1 is invalid: idle timeout '10ms' is outside 100ms to"
                + " 24h");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "server = \"s:1\"\n[[tunnels]]\ntype = \"udp\"\nlocal = 1\n"
                                + "remote = 1\nmax_sessions = 0\n"))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max sessions 0 is outside 1 to 16384");
  }

  @Test
  void aUdpTunnelHasOneLocalServiceAndNoGroupOrHealthCheck() throws Exception {
    Path file =
        write(
            "server = \"s:1\"\n[[tunnels]]\ntype = \"udp\"\nlocal = [\"1\", \"2\"]\n"
                + "remote = 1\ngroup = \"g\"\ngroup_key = \"k\"\nhealth_check = \"tcp\"\n");
    assertThatThrownBy(() -> ClientConfig.builder().file(file).build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(4)
                    .anySatisfy(p -> assertThat(p).contains(":4: 'local' in [[tunnels]] #1 a udp"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .contains(":6: 'group' in [[tunnels]] #1 applies to tcp tunnels"))
                    .anySatisfy(p -> assertThat(p).contains(":7: 'group_key' in [[tunnels]] #1"))
                    .anySatisfy(p -> assertThat(p).contains(":8: 'health_check' in [[tunnels]]")));
  }

  @Test
  void relayTunnelsAndVisitorsFromTheFile() throws Exception {
    ClientConfig config =
        ClientConfig.builder()
            .file(
                write(
                    """
                    server = "relay.example.com:8910"

                    [[tunnels]]
                    type = "relay"
                    name = "home-ssh"
                    secret = "a long secret shared with visitors"
                    local = 22

                    [[visitors]]
                    name = "office-db"
                    secret = "another long secret"
                    bind = 5432
                    """))
            .build();
    TunnelSpec relay = config.tunnels().getFirst();
    assertThat(relay.type()).isEqualTo(TunnelType.RELAY);
    assertThat(relay.remotePort()).isZero();
    assertThat(relay.secret().sameAs(Secret.of("a long secret shared with visitors"))).isTrue();
    VisitorSpec visitor = config.visitors().getFirst();
    assertThat(visitor.name()).isEqualTo("office-db");
    assertThat(visitor.bind()).isEqualTo(new HostPort("127.0.0.1", 5432));
    assertThat(visitor.secret().toString()).isEqualTo("****");
  }

  /** A reload compares specs: reading the same secret again must not look like a change. */
  @Test
  void relayTunnelsAndVisitorsWithTheSameSecretAreEqualAndWithAnotherAreNot() {
    HostPort local = new HostPort("127.0.0.1", 22);
    TunnelSpec tunnel =
        TunnelSpec.relay(
            "home-ssh", local, Optional.empty(), Balancing.NONE, Secret.of("a long secret 1"));
    assertThat(
            TunnelSpec.relay(
                "home-ssh", local, Optional.empty(), Balancing.NONE, Secret.of("a long secret 1")))
        .isEqualTo(tunnel)
        .hasSameHashCodeAs(tunnel)
        .isNotEqualTo(
            TunnelSpec.relay(
                "home-ssh", local, Optional.empty(), Balancing.NONE, Secret.of("a long secret 2")));
    VisitorSpec visitor = new VisitorSpec("home-ssh", Secret.of("a long secret 1"), local);
    assertThat(new VisitorSpec("home-ssh", Secret.of("a long secret 1"), local))
        .isEqualTo(visitor)
        .hasSameHashCodeAs(visitor)
        .isNotEqualTo(new VisitorSpec("home-ssh", Secret.of("a long secret 2"), local));
  }

  @Test
  void aVisitorAloneIsAConfigToo() throws Exception {
    ClientConfig config =
        ClientConfig.builder()
            .server(new HostPort("s", 1))
            .visitor(
                new VisitorSpec("home-ssh", Secret.of("twelve chars!"), new HostPort("::1", 0)))
            .build();
    assertThat(config.tunnels()).isEmpty();
    assertThat(config.visitors()).hasSize(1);
  }

  @Test
  void relayMistakesAreReportedWithTheirLine() throws Exception {
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[tunnels]]\ntype = \"relay\"\nname = \"a\"\nlocal = 1\n"
                                + "remote = 9000\nsecret = \"long enough secret\"\n"))
                    .build())
        .hasMessageContaining(":5: 'remote' in [[tunnels]] #1 does not apply to a relay tunnel");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(write("[[tunnels]]\ntype = \"relay\"\nname = \"a\"\nlocal = 1\n"))
                    .build())
        .hasMessageContaining("relay tunnel a needs a secret");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[tunnels]]\ntype = \"relay\"\nname = \"a\"\nlocal = 1\n"
                                + "secret = \"short\"\n"))
                    .build())
        .hasMessageContaining(":5: 'secret' in [[tunnels]] #1 is invalid")
        .hasMessageContaining("a secret of 5 characters; use at least 12");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[tunnels]]\nname = \"a\"\nlocal = 1\nremote = 2\n"
                                + "secret = \"long enough secret\"\n"))
                    .build())
        .hasMessageContaining("only a relay tunnel uses");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[visitors]]\nname = \"a\"\nsecret = \"long enough secret\"\n"
                                + "bind = 2222\n[[visitors]]\nname = \"b\"\n"
                                + "secret = \"long enough secret\"\nbind = 2222\n"))
                    .build())
        .hasMessageContaining("'127.0.0.1:2222' is used by two visitors");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(write("[[visitors]]\nname = \"a\"\nbind = 1\n"))
                    .build())
        .hasMessageContaining("visitor of a needs a secret");
  }

  @Test
  void aServerAndATunnelAreRequired() {
    assertThatThrownBy(() -> ClientConfig.builder().build())
        .hasMessageContaining("no server given");
    assertThatThrownBy(() -> ClientConfig.builder().server(new HostPort("s", 1)).build())
        .hasMessageContaining("no tunnel given");
  }

  @Test
  void httpTunnelsAreReachedByNameAndCarryTheirOptions() throws Exception {
    ClientConfig config =
        ClientConfig.builder()
            .file(
                write(
                    """
                    server = "example.com:8910"

                    [[tunnels]]
                    type = "http"
                    local = 3000
                    subdomain = "Demo"
                    custom_domains = ["WWW.alice.dev"]
                    http_user = "alice"
                    http_password = "pw"
                    host_header_rewrite = "localhost"
                    proxy_protocol = "v2"
                    """))
            .build();
    TunnelSpec web = config.tunnels().getFirst();
    assertThat(web.name()).isEqualTo("http-3000");
    assertThat(web.remotePort()).isZero();
    assertThat(web.web().subdomain()).isEqualTo("demo");
    assertThat(web.web().domains()).containsExactly("www.alice.dev");
    assertThat(web.web().auth()).hasValueSatisfying(a -> assertThat(a.user()).isEqualTo("alice"));
    assertThat(web.web().hostHeader()).isEqualTo("localhost");
    assertThat(web.proxyProtocol()).contains(ProxyProtocol.V2);
  }

  @Test
  void namesAndHttpOptionsAreOnlyForTheTunnelsThatUseThem() {
    HostPort local = new HostPort("127.0.0.1", 3000);
    WebOptions demo = new WebOptions("demo", List.of(), Optional.empty(), "");
    assertThatThrownBy(() -> spec(TunnelType.TCP, 9000, Balancing.NONE, demo, Optional.empty()))
        .hasMessageContaining("for http and https tunnels; this one is tcp");
    assertThatThrownBy(
            () -> spec(TunnelType.HTTP, 9000, Balancing.NONE, WebOptions.NONE, Optional.empty()))
        .hasMessageContaining("drop the remote port");
    assertThatThrownBy(
            () ->
                new TunnelSpec(
                    "dns",
                    TunnelType.UDP,
                    local,
                    53,
                    Optional.empty(),
                    SourceFilter.ANY,
                    Balancing.NONE,
                    Optional.of(UdpSessions.DEFAULT),
                    WebOptions.NONE,
                    Optional.of(ProxyProtocol.V1),
                    Secret.none()))
        .hasMessageContaining("a udp tunnel has none");
    assertThatThrownBy(
            () ->
                new TunnelSpec(
                    "home-ssh",
                    TunnelType.RELAY,
                    local,
                    0,
                    Optional.empty(),
                    SourceFilter.ANY,
                    Balancing.NONE,
                    Optional.empty(),
                    WebOptions.NONE,
                    Optional.of(ProxyProtocol.V2),
                    Secret.of("a long secret for home-ssh")))
        .hasMessageContaining("relay tunnel home-ssh takes no PROXY protocol header");
  }

  @Test
  void anHttpTunnelBalancesOverLocalTargetsButJoinsNoGroup() throws Exception {
    Balancing grouped =
        new Balancing(
            List.of(),
            Strategy.ROUND_ROBIN,
            Optional.of(new GroupSpec("web", Secret.of("k"), 1)),
            Optional.empty());
    assertThatThrownBy(() -> spec(TunnelType.HTTP, 0, grouped, WebOptions.NONE, Optional.empty()))
        .hasMessageContaining("an http tunnel cannot join a load-balanced group");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            """
                            server = "s:1"
                            [[tunnels]]
                            type = "https"
                            local = 8443
                            group = "shop"
                            group_key = "k"
                            """))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'group' in [[tunnels]] #1 is for tcp tunnels")
        .hasMessageContaining("an https tunnel is reached by name and cannot join one");

    TunnelSpec balanced =
        ClientConfig.builder()
            .file(
                write(
                    """
                    server = "s:1"
                    [[tunnels]]
                    type = "http"
                    local = ["3000", "3001"]
                    strategy = "least_connections"
                    health_check = "http"
                    subdomain = "demo"
                    """))
            .build()
            .tunnels()
            .getFirst();
    assertThat(balanced.targets())
        .containsExactly(new HostPort("127.0.0.1", 3000), new HostPort("127.0.0.1", 3001));
    assertThat(balanced.balancing().strategy()).isEqualTo(Strategy.LEAST_CONNECTIONS);
    assertThat(balanced.balancing().healthCheck()).isPresent();
  }

  @Test
  void keysOfOneTunnelTypeOnAnotherAreAllListed() throws Exception {
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            """
                            server = "s:1"
                            [[tunnels]]
                            local = 3000
                            remote = 9000
                            subdomain = "demo"
                            idle_timeout = "10s"
                            [[tunnels]]
                            type = "http"
                            local = 3001
                            remote = 9001
                            """))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'subdomain' in [[tunnels]] #1 applies to http and https tunnels")
        .hasMessageContaining("'idle_timeout' in [[tunnels]] #1 applies to udp tunnels only")
        .hasMessageContaining("'remote' in [[tunnels]] #2 is for tcp and udp tunnels");
  }

  private static TunnelSpec spec(
      TunnelType type,
      int remotePort,
      Balancing balancing,
      WebOptions web,
      Optional<ProxyProtocol> proxyProtocol) {
    return new TunnelSpec(
        "web",
        type,
        new HostPort("127.0.0.1", 3000),
        remotePort,
        Optional.empty(),
        SourceFilter.ANY,
        balancing,
        Optional.empty(),
        web,
        proxyProtocol,
        Secret.none());
  }
}
