package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.TunnelSpec;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Source address lists: a user from a denied block is closed at accept and the local service never
 * hears of it; a user from an allowed block gets through. The lists come from the tunnel's owner
 * (client config) or from the operator (the user's entry in the server config).
 */
@Timeout(60)
class SourceFilterE2ETest {
  @TempDir Path dir;
  private ServerSocket service;
  private final AtomicInteger served = new AtomicInteger();

  @BeforeEach
  void startService() throws IOException {
    service = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!service.isClosed()) {
                try (Socket s = service.accept()) {
                  served.incrementAndGet();
                  s.getOutputStream().write('!');
                } catch (IOException e) {
                  return;
                }
              }
            });
  }

  @AfterEach
  void stopService() throws IOException {
    service.close();
  }

  private TunnelSpec tunnel(List<String> allow, List<String> deny) {
    return new TunnelSpec(
        "guarded",
        TunnelType.TCP,
        new HostPort(LOOPBACK, service.getLocalPort()),
        0,
        Optional.empty(),
        SourceFilter.parse(allow, deny));
  }

  @Test
  void aDeniedBlockIsClosedAtAcceptAndOthersPass() throws Exception {
    try (PipeServer server = PipeServer.start(Fixture.serverConfig().build());
        RunningClient client =
            RunningClient.start(server, tunnel(List.of(), List.of("127.0.0.2/32")))) {
      int port = client.awaitReady("guarded");
      assertThat(answer("127.0.0.2", port)).as("denied").isEqualTo(-1);
      assertThat(answer("127.0.0.3", port)).as("not denied").isEqualTo('!');
      assertThat(served.get()).as("the denied user never reached the service").isEqualTo(1);
    }
  }

  @Test
  void anAllowListAdmitsOnlyItsBlocks() throws Exception {
    try (PipeServer server = PipeServer.start(Fixture.serverConfig().build());
        RunningClient client =
            RunningClient.start(server, tunnel(List.of("127.0.0.4/31"), List.of()))) {
      int port = client.awaitReady("guarded");
      assertThat(answer("127.0.0.5", port)).as("in 127.0.0.4/31").isEqualTo('!');
      assertThat(answer("127.0.0.6", port)).as("outside").isEqualTo(-1);
    }
  }

  @Test
  void theOperatorCanDenySourcesForAllTunnelsOfAUser() throws Exception {
    Path config = dir.resolve("server.toml");
    Files.writeString(
        config,
        """
        [[users]]
        name = "carol"
        token = "carol-token"
        deny_sources = ["127.0.0.7"]
        """);
    try (PipeServer server =
            PipeServer.start(
                ServerConfig.builder()
                    .file(config)
                    .bindAddress(LOOPBACK)
                    .port(0)
                    .stateDir(Fixture.STATE)
                    .build());
        RunningClient client =
            RunningClient.start(server, Secret.of("carol-token"), tunnel(List.of(), List.of()))) {
      int port = client.awaitReady("guarded");
      assertThat(answer("127.0.0.7", port)).isEqualTo(-1);
      assertThat(answer("127.0.0.8", port)).isEqualTo('!');
    }
  }

  /** Connects from {@code source} and reads the service's one-byte answer, or -1 if closed. */
  private static int answer(String source, int port) throws Exception {
    try (Socket user = AbuseE2ETest.connectFrom(source, port)) {
      user.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
      try {
        return user.getInputStream().read();
      } catch (java.net.SocketException e) {
        return -1;
      }
    }
  }
}
