package dev.pipe.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.config.ConfigException;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.ProxyProtocol;
import java.nio.file.Files;
import java.nio.file.Path;
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
                    .file(write("server = \"s:1\"\n[[tunnels]]\nname = \"a\"\nremote = 1\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(":2: [[tunnels]] #1: missing 'local'");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[tunnels]]\nname = \"a\"\nlocal = 1\nremote = 1\n"
                                + "[[tunnels]]\nname = \"a\"\nlocal = 2\nremote = 2\n")))
        .hasMessageContaining("'a' is used by two tunnels");
    assertThatThrownBy(
            () -> ClientConfig.builder().file(write("[[tunnels]]\nlocal = 1\nremote = 70000\n")))
        .hasMessageContaining("must be a port between 0 and 65535");
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
    assertThatThrownBy(
            () ->
                new TunnelSpec(
                    "web",
                    TunnelType.TCP,
                    new HostPort("127.0.0.1", 3000),
                    9000,
                    Optional.empty(),
                    SourceFilter.ANY,
                    new WebOptions("demo", List.of(), Optional.empty(), ""),
                    Optional.empty()))
        .hasMessageContaining("for http and https tunnels; this one is tcp");
    assertThatThrownBy(
            () ->
                new TunnelSpec(
                    "web",
                    TunnelType.HTTP,
                    new HostPort("127.0.0.1", 3000),
                    9000,
                    Optional.empty(),
                    SourceFilter.ANY,
                    WebOptions.NONE,
                    Optional.empty()))
        .hasMessageContaining("drop the remote port");
  }
}
