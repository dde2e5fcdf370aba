package dev.pipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.ClientFailure;
import dev.pipe.example.EchoServer;
import dev.pipe.proto.Secret;
import dev.pipe.server.ClientInfo;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerConfig;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PipeServer#reload}: users and limits change while clients stay connected. A user whose
 * entry changed is logged out (and, with a revoked token, refused); the others keep every tunnel
 * and connection; a limit read per request applies at once; one that sizes a structure built at
 * start is reported as waiting for a restart.
 */
@Timeout(60)
class ServerReloadE2ETest {
  private static final Secret ALICE = Secret.of("alice-token-0a9");
  private static final Secret BOB = Secret.of("bob-token-7e2");

  @TempDir Path dir;

  private ServerConfig config(String bobToken, String limits) throws IOException {
    Path file = dir.resolve("server-" + System.nanoTime() + ".toml");
    Files.writeString(
        file,
        limits
            + "\n[[users]]\nname = \"alice\"\ntoken = \""
            + ALICE.reveal()
            + "\"\n\n[[users]]\nname = \"bob\"\ntoken = \""
            + bobToken
            + "\"\n");
    return ServerConfig.builder()
        .file(file)
        .bindAddress(Fixture.LOOPBACK)
        .port(0)
        .stateDir(Fixture.STATE)
        .build();
  }

  private static ClientInfo session(PipeServer server, String user) {
    return server.clients().stream().filter(c -> c.user().equals(user)).findFirst().orElseThrow();
  }

  @Test
  void aReloadLogsOutOnlyChangedUsersAndAppliesLiveLimits() throws Exception {
    try (EchoServer echo = EchoServer.start(Fixture.LOOPBACK, 0);
        PipeServer server = PipeServer.start(config(BOB.reveal(), ""));
        RunningClient alice = RunningClient.start(server, ALICE, Fixture.tcp("a", echo.port(), 0));
        RunningClient bob = RunningClient.start(server, BOB, Fixture.tcp("b", echo.port(), 0))) {
      int portA = alice.awaitReady("a");
      bob.awaitReady("b");
      Socket held = Fixture.connect(portA);
      held.getOutputStream().write("before ".getBytes());
      assertThat(new String(held.getInputStream().readNBytes(7))).isEqualTo("before ");
      ClientInfo aliceBefore = session(server, "alice");

      List<String> restartOnly =
          server.reload(
              config(
                  "bob-new-token-41d",
                  "max_connections_per_tunnel = 1\nmax_pending_connections = 10\n"));

      assertThat(restartOnly).containsExactly("max_pending_connections");
      Throwable bobExit = bob.awaitExit();
      assertThat(bobExit).isInstanceOf(ClientFailure.class).hasMessageContaining("token");
      assertThat(alice.status().tunnels())
          .singleElement()
          .extracting(t -> t.state())
          .isEqualTo("ready");

      // Alice's connection from before the reload still flows...
      held.getOutputStream().write("after".getBytes());
      held.shutdownOutput();
      assertThat(new String(held.getInputStream().readAllBytes())).isEqualTo("after");
      held.close();
      // ...a new one is claimed by alice's data connection, though the reload made her User
      // object anew, and the new per-tunnel limit holds: one connection at a time.
      Fixture.eventually(
          Duration.ofSeconds(10),
          "the held connection to end",
          () -> server.tunnels().getFirst().traffic().connectionsActive() == 0);
      try (Socket first = Fixture.connect(portA);
          Socket second = Fixture.connect(portA)) {
        first.getOutputStream().write('x');
        assertThat(first.getInputStream().read()).isEqualTo('x');
        assertThat(second.getInputStream().read()).as("refused: over the new limit").isEqualTo(-1);
      }
    }
  }
}
