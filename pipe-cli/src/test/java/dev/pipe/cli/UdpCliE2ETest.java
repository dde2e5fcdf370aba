package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.e2e.Fixture;
import dev.pipe.e2e.UdpPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A UDP tunnel as a user runs it: the pipe jar as separate server, client and example-service
 * processes, and socat as the remote peer, the way the README says to try it.
 */
@Timeout(180)
class UdpCliE2ETest {
  private static final String TOKEN = "udp-cli-token-31c4";
  private static final Duration EXIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void aUdpTunnelBetweenProcessesWithItsSessionCapAndAClientRestart() throws Exception {
    int servicePort = Fixture.freeUdpPort();
    try (PipeProcess server = PipeProcess.server(dir, TOKEN)) {
      String control = "127.0.0.1:" + server.controlPort();
      String[] clientArgs = {
        "client",
        "--server",
        control,
        "--local",
        String.valueOf(servicePort),
        "--remote",
        "0",
        "--type",
        "udp",
        "--name",
        "dns",
        "--max-sessions",
        "3",
        "--status",
        "off",
        "--state-dir",
        dir.resolve("client-state").toString()
      };
      int remote;
      try (PipeProcess client = PipeProcess.start(dir, Map.of("PIPE_TOKEN", TOKEN), clientArgs)) {
        remote =
            Integer.parseInt(
                client
                    .await(
                        "tunnel dns ready: udp 127\\.0\\.0\\.1:"
                            + servicePort
                            + " -> 127\\.0\\.0\\.1:(\\d+)")
                    .group(1));

        // No service yet: the datagram is dropped, counted, and the client says why.
        assertThat(socat(remote, "anyone there?")).isEmpty();
        client.await("dropped a datagram .* the service's port is closed");

        try (PipeProcess echo =
            PipeProcess.start(dir, "example", "udp-echo", "--port", String.valueOf(servicePort))) {
          echo.await("example UDP echo on 127\\.0\\.0\\.1:" + servicePort);
          assertThat(socat(remote, "hello through pipe")).isEqualTo("hello through pipe");
          assertThat(socat(remote, "a second peer")).isEqualTo("a second peer");

          // Three peers so far, each socat call one, and three sessions allowed: a fourth peer
          // gets nothing, however hard it tries, and the server says so once, not per datagram.
          try (UdpPeer fourth = UdpPeer.to(remote)) {
            for (int i = 0; i < 200; i++) {
              fourth.send("over the cap " + i);
            }
            assertThat(fourth.receive(Duration.ofMillis(500))).isNull();
          }
          server.await("ignored new peer");
          assertThat(Pattern.compile("ignored new peer").matcher(server.stderr()).results().count())
              .isEqualTo(1);

          client.kill();
          server.await("released ports \\[" + remote + "/udp\\]");
          try (PipeProcess again =
              PipeProcess.start(dir, Map.of("PIPE_TOKEN", TOKEN), withRemote(clientArgs, remote))) {
            again.await("tunnel dns ready: udp \\S+ -> 127\\.0\\.0\\.1:" + remote);
            assertThat(socat(remote, "after the restart")).isEqualTo("after the restart");
            again.terminate();
            assertThat(again.awaitExit(EXIT)).as("SIGTERM is a clean stop").isZero();
          }
          server.await("released ports \\[" + remote + "/udp\\]");
        }
      }
      server.terminate();
      assertThat(server.awaitExit(EXIT)).isZero();
    }
  }

  private static String[] withRemote(String[] args, int remote) {
    String[] copy = args.clone();
    copy[List.of(args).indexOf("--remote") + 1] = String.valueOf(remote);
    return copy;
  }

  /**
   * What a user would type: {@code printf TEXT | socat -t 2 - UDP4:127.0.0.1:PORT}. One datagram
   * out, socat prints whatever comes back within 2 seconds; each call is a new peer.
   */
  private String socat(int port, String text) throws Exception {
    try (PipeProcess socat =
        PipeProcess.launch(
            dir,
            Map.of(),
            List.of(
                "bash", "-c", "printf %s \"$0\" | socat -t 2 - UDP4:127.0.0.1:" + port, text))) {
      assertThat(socat.awaitExit(EXIT)).as("socat: %s", socat.stderr()).isZero();
      return socat.stdout();
    }
  }
}
