package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter shipped in example/fail2ban matches exactly the failed logins in a real server's log,
 * as checked by fail2ban's own tool (Debian package fail2ban, installed by .ci/run).
 */
@Timeout(120)
class Fail2banCliE2ETest {
  @TempDir Path dir;

  @Test
  void theShippedFilterMatchesEveryFailedLoginAndNothingElse() throws Exception {
    try (PipeProcess server =
        PipeProcess.start(
            dir,
            Map.of("PIPE_TOKEN", "the-right-token"),
            "server",
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--admin-port",
            "0",
            "--state-dir",
            dir.resolve("state").toString())) {
      int port = Integer.parseInt(server.await("listening on 127\\.0\\.0\\.1:(\\d+)").group(1));
      for (int attempt = 0; attempt < 3; attempt++) {
        try (PipeProcess client =
            PipeProcess.start(
                dir,
                Map.of("PIPE_TOKEN", "a-wrong-token-" + attempt),
                "client",
                "--server",
                "127.0.0.1:" + port,
                "--state-dir",
                dir.resolve("client-state").toString(),
                "--status",
                "off",
                "--local",
                "7",
                "--remote",
                "0")) {
          assertThat(client.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        }
      }
      server.await("(?s)(authentication failure.*){3}");
      Path filter = PipeProcess.REPO.resolve("example/fail2ban/pipe.conf");
      try (PipeProcess check =
          PipeProcess.launch(
              dir,
              Map.of(),
              List.of(
                  "fail2ban-regex",
                  "--print-all-matched",
                  server.stderrFile().toString(),
                  filter.toString()))) {
        assertThat(check.awaitExit(Duration.ofSeconds(60))).isZero();
        assertThat(check.stdout())
            .contains("Failregex: 3 total")
            .containsPattern("Lines: \\d+ lines, 0 ignored, 3 matched")
            .contains("127.0.0.1");
      }
    }
  }
}
