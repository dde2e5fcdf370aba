package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.config.ConfigException;
import dev.pipe.proto.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
  @TempDir Path dir;

  @Test
  void aFileSetsEveryKeyAndFlagsComeAfter() throws Exception {
    Path file = dir.resolve("server.toml");
    Files.writeString(
        file,
        """
        bind = "127.0.0.1"
        port = 7000
        token = "from-file"
        allow_ports = "9000-9100"
        heartbeat_interval = "5s"
        handshake_timeout = "3s"
        pending_timeout = "20s"
        max_pending_connections = 10
        shutdown_grace = "1s"
        """);
    ServerConfig config = ServerConfig.builder().file(file).port(7001).build();
    assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(7001);
    assertThat(config.allowedPorts().toString()).isEqualTo("9000-9100");
    assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.pendingTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.maxPendingConnections()).isEqualTo(10);
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void noTokenIsRefusedUnlessNoAuthIsAskedFor() {
    assertThatThrownBy(() -> ServerConfig.builder().build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--allow-no-auth");
    assertThat(ServerConfig.builder().allowNoAuth(true).build().token().isEmpty()).isTrue();
    assertThat(ServerConfig.builder().token(Secret.of("t")).build().port()).isEqualTo(8910);
  }
}
