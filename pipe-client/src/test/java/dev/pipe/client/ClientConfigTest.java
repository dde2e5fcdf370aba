package dev.pipe.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.config.ConfigException;
import dev.pipe.config.HostPort;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import java.nio.file.Files;
import java.nio.file.Path;
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
                                + "remote = 9000\nsecret = \"long enough secret\"\n")))
        .hasMessageContaining(":5: 'remote' in [[tunnels]] #1 does not apply to a relay tunnel");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(write("[[tunnels]]\ntype = \"relay\"\nname = \"a\"\nlocal = 1\n")))
        .hasMessageContaining("relay tunnel a needs a secret");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[tunnels]]\ntype = \"relay\"\nname = \"a\"\nlocal = 1\n"
                                + "secret = \"short\"\n")))
        .hasMessageContaining(":5: 'secret' in [[tunnels]] #1 is invalid")
        .hasMessageContaining("a secret of 5 characters; use at least 12");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[tunnels]]\nname = \"a\"\nlocal = 1\nremote = 2\n"
                                + "secret = \"long enough secret\"\n")))
        .hasMessageContaining("only a relay tunnel uses");
    assertThatThrownBy(
            () ->
                ClientConfig.builder()
                    .file(
                        write(
                            "[[visitors]]\nname = \"a\"\nsecret = \"long enough secret\"\n"
                                + "bind = 2222\n[[visitors]]\nname = \"b\"\n"
                                + "secret = \"long enough secret\"\nbind = 2222\n")))
        .hasMessageContaining("'127.0.0.1:2222' is used by two visitors");
    assertThatThrownBy(
            () -> ClientConfig.builder().file(write("[[visitors]]\nname = \"a\"\nbind = 1\n")))
        .hasMessageContaining("visitor of a needs a secret");
  }

  @Test
  void aServerAndATunnelAreRequired() {
    assertThatThrownBy(() -> ClientConfig.builder().build())
        .hasMessageContaining("no server given");
    assertThatThrownBy(() -> ClientConfig.builder().server(new HostPort("s", 1)).build())
        .hasMessageContaining("no tunnel given");
  }
}
