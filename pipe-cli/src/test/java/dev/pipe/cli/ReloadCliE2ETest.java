package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload of {@code pipe client --config} as a user does it: edit the file while transfers run.
 * Tunnel a carries long transfers (slowed by its bandwidth limit so that they span the reload); the
 * edit adds b and changes c; a's transfers must finish byte-exact, b must work, and an invalid edit
 * must be refused while the old config keeps running.
 */
@Timeout(180)
class ReloadCliE2ETest {
  private static final String TOKEN = "reload-token-33c1";
  private static final int TRANSFERS = 3;
  private static final int TRANSFER_BYTES = 3 * 1024 * 1024;

  /**
   * Each transfer blocks in a read while its writer runs: on the common pool (one thread on a
   * two-core machine) the writers would never start.
   */
  private static final Executor THREADS = Executors.newVirtualThreadPerTaskExecutor();

  @TempDir Path dir;
  private EchoServer echoA;
  private EchoServer echoB;
  private EchoServer echoC;

  @BeforeEach
  void startServices() throws Exception {
    echoA = EchoServer.start("127.0.0.1", 0);
    echoB = EchoServer.start("127.0.0.1", 0);
    echoC = EchoServer.start("127.0.0.1", 0);
  }

  @AfterEach
  void stopServices() throws Exception {
    echoA.close();
    echoB.close();
    echoC.close();
  }

  private String config(int control, String extra) {
    return "server = \"127.0.0.1:"
        + control
        + "\"\ntoken = \""
        + TOKEN
        + "\"\n\n[[tunnels]]\nname = \"a\"\nlocal = "
        + echoA.port()
        + "\nremote = 0\nbandwidth = \"2MiB\"\n\n"
        + extra;
  }

  private String tunnelC(String change) {
    return "[[tunnels]]\nname = \"c\"\nlocal = " + echoC.port() + "\nremote = 0\n" + change + "\n";
  }

  private String tunnelB(String remote) {
    return "[[tunnels]]\nname = \"b\"\nlocal = " + echoB.port() + "\nremote = " + remote + "\n";
  }

  /** Replaces the file as editors do: a new file renamed over the old one. */
  private static void edit(Path file, String content) throws Exception {
    Path next = file.resolveSibling(file.getFileName() + ".new");
    Files.writeString(next, content);
    Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void reloadUnderLoadKeepsTransfersAddsAndChangesTunnelsAndRefusesABadEdit() throws Exception {
    try (PipeProcess server = PipeProcess.server(dir, TOKEN)) {
      int control = server.controlPort();
      Path file = dir.resolve("client.toml");
      Files.writeString(file, config(control, tunnelC("")));
      try (PipeProcess client =
          PipeProcess.start(
              dir,
              "client",
              "--config",
              file.toString(),
              "--status",
              "off",
              "--state-dir",
              dir.resolve("client-state").toString())) {
        int portA = client.readyPort("a");
        int portC = client.readyPort("c");

        List<CompletableFuture<Boolean>> transfers = new ArrayList<>();
        for (int i = 0; i < TRANSFERS; i++) {
          long seed = i;
          transfers.add(CompletableFuture.supplyAsync(() -> echoesExactly(portA, seed), THREADS));
        }
        edit(file, config(control, tunnelC("allow_sources = [\"127.0.0.0/8\"]") + tunnelB("0")));
        assertThat(transfers)
            .as("the transfers still run during the reload")
            .noneMatch(f -> f.isDone());

        int portB = readyPortNth(client, "b", 1);
        assertThat(PipeProcess.echoThrough(portB, "b after reload")).isEqualTo("b after reload");
        int newPortC = readyPortNth(client, "c", 2);
        assertThat(PipeProcess.echoThrough(newPortC, "c changed")).isEqualTo("c changed");
        client.await(
            "config reloaded: tunnels added \\[b\\], changed \\[c\\], removed \\[\\], 1 unchanged");

        edit(
            file, config(control, tunnelC("allow_sources = [\"127.0.0.0/8\"]") + tunnelB("\"x\"")));
        client.await("config reload refused, still running with the previous config");
        client.await(
            Pattern.quote(file.toString())
                + ":\\d+: 'remote' in \\[\\[tunnels\\]\\] #3 must be a whole number");
        assertThat(PipeProcess.echoThrough(portB, "b still there")).isEqualTo("b still there");

        for (CompletableFuture<Boolean> transfer : transfers) {
          assertThat(transfer.get(120, TimeUnit.SECONDS))
              .as("a transfer through a is byte-exact")
              .isTrue();
        }
        assertThat(PipeProcess.echoThrough(portA, "a untouched")).isEqualTo("a untouched");
        assertThat(server.stderr())
            .as("a was never stopped; c was, and opened again")
            .doesNotContainPattern("tunnel a of client \\S+ on port \\d+ stopped")
            .containsPattern("tunnel c of client \\S+ on port \\d+ stopped by the client: changed");
        assertThat(portC).isPositive();
      }
    }
  }

  /** The port of the {@code n}th "tunnel NAME ready" line (a changed tunnel reports again). */
  private static int readyPortNth(PipeProcess client, String tunnel, int n) throws Exception {
    Pattern ready =
        Pattern.compile("tunnel " + tunnel + " ready: tcp \\S+ -> 127\\.0\\.0\\.1:(\\d+)");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      Matcher matcher = ready.matcher(client.stdout());
      List<Integer> ports = new ArrayList<>();
      while (matcher.find()) {
        ports.add(Integer.parseInt(matcher.group(1)));
      }
      if (ports.size() >= n) {
        return ports.get(n - 1);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "tunnel " + tunnel + " ready " + n + " times: saw " + ports + "\n" + client.stderr());
      }
      Thread.sleep(50);
    }
  }

  /** Sends seeded random bytes through an echo tunnel and checks every byte that comes back. */
  private static boolean echoesExactly(int port, long seed) {
    try (Socket user = new Socket("127.0.0.1", port)) {
      user.setSoTimeout(60_000);
      CompletableFuture<String> sent =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  MessageDigest digest = MessageDigest.getInstance("SHA-256");
                  Random random = new Random(seed);
                  byte[] chunk = new byte[16 * 1024];
                  OutputStream out = user.getOutputStream();
                  for (int left = TRANSFER_BYTES; left > 0; left -= chunk.length) {
                    random.nextBytes(chunk);
                    out.write(chunk);
                    digest.update(chunk);
                  }
                  user.shutdownOutput();
                  return HexFormat.of().formatHex(digest.digest());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              THREADS);
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      InputStream in = user.getInputStream();
      byte[] buffer = new byte[64 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(buffer)) >= 0) {
        digest.update(buffer, 0, n);
        total += n;
      }
      return total == TRANSFER_BYTES
          && sent.get(60, TimeUnit.SECONDS).equals(HexFormat.of().formatHex(digest.digest()));
    } catch (Exception e) {
      throw new IllegalStateException("transfer " + seed + " failed", e);
    }
  }
}
