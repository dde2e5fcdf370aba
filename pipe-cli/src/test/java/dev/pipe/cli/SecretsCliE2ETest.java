package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole session, logged at debug level: a server with a shared token and a user token, clients
 * that log in with each, clients that fail with wrong tokens, bytes through the tunnels, shutdown.
 * Not one of the secrets may appear in anything any process printed.
 */
@Timeout(120)
class SecretsCliE2ETest {
  private static final String SHARED = "shared-secret-5f1d0c";
  private static final String ALICE = "alice-secret-9e2b44";
  private static final List<String> WRONG = List.of("wrong-secret-11aa", "wrong-secret-22bb");

  @TempDir Path dir;

  @Test
  void noSecretAppearsInAnyLogLine() throws Exception {
    List<PipeProcess> processes = new ArrayList<>();
    try (EchoServer echo = EchoServer.start("127.0.0.1", 0)) {
      Path config = dir.resolve("server.toml");
      Files.writeString(
          config,
          """
          bind = "127.0.0.1"
          port = 0
          state_dir = "%s"

          [[users]]
          name = "alice"
          token = "%s"
          """
              .formatted(dir.resolve("server-state"), ALICE));
      PipeProcess server =
          PipeProcess.start(
              dir,
              Map.of("PIPE_TOKEN", SHARED),
              "--verbose",
              "server",
              "--admin-port",
              "0",
              "--config",
              config.toString());
      processes.add(server);
      int port = Integer.parseInt(server.await("listening on 127\\.0\\.0\\.1:(\\d+)").group(1));

      for (String good : List.of(SHARED, ALICE)) {
        PipeProcess client = client(port, echo.port(), "--token", good);
        processes.add(client);
        int publicPort =
            Integer.parseInt(client.await("ready: tcp \\S+ -> 127\\.0\\.0\\.1:(\\d+)").group(1));
        try (Socket user = new Socket("127.0.0.1", publicPort)) {
          user.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
          user.shutdownOutput();
          assertThat(user.getInputStream().readAllBytes()).hasSize(4);
        }
      }
      for (String wrong : WRONG) {
        PipeProcess client = client(port, echo.port(), "--token", wrong);
        processes.add(client);
        assertThat(client.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
      }
      server.await("authentication failure: source=127\\.0\\.0\\.1");
      for (PipeProcess process : processes) {
        process.terminate();
        process.awaitExit(Duration.ofSeconds(30));
      }
      for (PipeProcess process : processes) {
        String output = process.stdout() + process.stderr();
        assertThat(output).isNotEmpty();
        for (String secret : secrets()) {
          assertThat(output).as("output of a pipe process").doesNotContain(secret);
        }
      }
    } finally {
      for (PipeProcess process : processes) {
        process.close();
      }
    }
  }

  private PipeProcess client(int port, int localPort, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--verbose",
                "client",
                "--server",
                "127.0.0.1:" + port,
                "--state-dir",
                dir.resolve("client-state").toString(),
                "--local",
                String.valueOf(localPort),
                "--remote",
                "0"));
    args.addAll(List.of(extra));
    return PipeProcess.start(dir, Map.of(), args.toArray(String[]::new));
  }

  private static List<String> secrets() {
    List<String> all = new ArrayList<>(List.of(SHARED, ALICE));
    all.addAll(WRONG);
    return all;
  }
}
