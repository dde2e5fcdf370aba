package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.e2e.Fixture;
import dev.pipe.example.EchoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Relay tunnels as users run them: a server, a provider and a visitor, three processes of the
 * packaged jar on loopback.
 */
@Timeout(300)
class RelayCliE2ETest {
  private static final String TOKEN = "cli-relay-token-9d2e";
  private static final String SECRET = "cli-relay-secret-41f7c2";
  private static final Duration EXIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private EchoServer echo;

  @BeforeEach
  void startEcho() throws IOException {
    echo = EchoServer.start("127.0.0.1", 0);
  }

  @AfterEach
  void stopEcho() throws IOException {
    echo.close();
  }

  private PipeProcess server(String... extra) throws Exception {
    return PipeProcess.server(dir, TOKEN, extra);
  }

  private PipeProcess clientSide(String command, int port, String... extra) throws Exception {
    return PipeProcess.clientSide(dir, TOKEN, command, port, extra);
  }

  private PipeProcess provider(int port, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--type",
                "relay",
                "--name",
                "home-echo",
                "--secret",
                SECRET,
                "--local",
                String.valueOf(echo.port())));
    args.addAll(List.of(extra));
    return clientSide("client", port, args.toArray(String[]::new));
  }

  private PipeProcess visitor(int port, String secret) throws Exception {
    return clientSide(
        "visit", port, "--name", "home-echo", "--secret", secret, "--bind", "127.0.0.1:0");
  }

  private static int visitorPort(PipeProcess visitor) throws Exception {
    return Integer.parseInt(
        visitor
            .await(
                "visitor home-echo ready: 127\\.0\\.0\\.1:(\\d+) -> relay tunnel home-echo via"
                    + " 127\\.0\\.0\\.1:\\d+")
            .group(1));
  }

  @Test
  void fourConcurrentCircuitsEachCarryFiftyMebibytesEachWayIntact() throws Exception {
    try (PipeProcess server = server("--max-circuit-rate", "0");
        PipeProcess provider = provider(server.controlPort());
        PipeProcess visitor = visitor(server.controlPort(), SECRET);
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      provider.await("tunnel home-echo ready: relay 127\\.0\\.0\\.1:" + echo.port());
      int port = visitorPort(visitor);
      long size = 50L * 1024 * 1024;
      List<Future<String[]>> circuits = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        long seed = i;
        circuits.add(threads.submit(() -> roundTrip(port, seed, size)));
      }
      for (Future<String[]> circuit : circuits) {
        String[] digests = circuit.get();
        assertThat(digests[1]).as("SHA-256 of what came back").isEqualTo(digests[0]);
      }
      server.await("circuit id=\\w+ tunnel=home-echo closed: 52\\d{6} bytes to the provider");
      assertThat(server.stderr()).doesNotContain("WARN");
    }
  }

  /**
   * A provider that also has a TCP tunnel, with its pool of data connections (the default, 8) and
   * with {@code --pool 0}: circuits and the TCP tunnel's users both get through either way.
   */
  @ParameterizedTest(name = "--pool {0}")
  @ValueSource(strings = {"8", "0"})
  void circuitsWorkBesideATcpTunnelWithAndWithoutThePool(String pool) throws Exception {
    Path config = dir.resolve("provider-" + pool + ".toml");
    Files.writeString(
        config, "[[tunnels]]\nname = \"web\"\nlocal = " + echo.port() + "\nremote = 0\n");
    try (PipeProcess server = server();
        PipeProcess provider =
            provider(server.controlPort(), "--config", config.toString(), "--pool", pool);
        PipeProcess visitor = visitor(server.controlPort(), SECRET)) {
      int tcpPort =
          Integer.parseInt(
              provider
                  .await("tunnel web ready: tcp 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:(\\d+)")
                  .group(1));
      provider.await("tunnel home-echo ready: relay");
      int port = visitorPort(visitor);
      for (int i = 0; i < 3; i++) {
        assertThat(PipeProcess.echoThrough(port, "circuit " + i)).isEqualTo("circuit " + i);
        assertThat(PipeProcess.echoThrough(tcpPort, "user " + i)).isEqualTo("user " + i);
      }
      assertThat(server.stderr()).doesNotContain("WARN");
    }
  }

  /** Sends {@code size} seeded random bytes through the echo; the SHA-256 sent and received. */
  private static String[] roundTrip(int port, long seed, long size) throws Exception {
    try (Socket user = new Socket(InetAddress.getLoopbackAddress(), port);
        ExecutorService writer = Executors.newVirtualThreadPerTaskExecutor()) {
      user.setSoTimeout(60_000);
      Future<String> sent = writer.submit(() -> Fixture.sendRandom(user, seed, size));
      Fixture.Received received = Fixture.receiveAll(user.getInputStream());
      assertThat(received.bytes()).isEqualTo(size);
      return new String[] {sent.get(), received.sha256()};
    }
  }

  @Test
  void aRestartedProviderGetsItsReservationBackAndNewCircuitsWork() throws Exception {
    try (PipeProcess server = server();
        PipeProcess visitor = visitor(server.controlPort(), SECRET)) {
      int port = visitorPort(visitor);
      try (PipeProcess provider = provider(server.controlPort())) {
        provider.await("tunnel home-echo ready: relay");
        assertThat(PipeProcess.echoThrough(port, "before the restart"))
            .isEqualTo("before the restart");
        provider.kill();
      }
      server.await("released relay tunnels \\[home-echo\\]");
      assertThat(PipeProcess.echoThrough(port, "while it is away")).isEmpty();
      visitor.await(
          "visitor home-echo: circuit refused: the provider is not connected to this server");
      server.await("circuit refused: tunnel=home-echo visitor=127.0.0.1:\\d+ reason=\"no such");

      try (PipeProcess provider = provider(server.controlPort())) {
        provider.await("tunnel home-echo ready: relay");
        assertThat(PipeProcess.echoThrough(port, "after the restart"))
            .isEqualTo("after the restart");
      }
    }
  }

  @Test
  void theErrorsAUserReads() throws Exception {
    try (PipeProcess server = server();
        PipeProcess provider = provider(server.controlPort());
        PipeProcess wrong = visitor(server.controlPort(), "not-the-provider-secret")) {
      provider.await("tunnel home-echo ready: relay");
      int port = visitorPort(wrong);
      assertThat(PipeProcess.echoThrough(port, "let me in")).isEmpty();
      wrong.await(
          "visitor home-echo: circuit refused: wrong secret: this visitor's secret for relay"
              + " tunnel 'home-echo' is not the provider's");
      server.await(
          "authentication failure: source=127\\.0\\.0\\.1 port=\\d+ reason=\"wrong secret for"
              + " relay tunnel home-echo\"");
    }
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        PipeProcess visitor =
            clientSide(
                "visit",
                Fixture.freePorts(1)[0],
                "--name",
                "home-echo",
                "--secret",
                SECRET,
                "--bind",
                "127.0.0.1:" + taken.getLocalPort())) {
      assertThat(visitor.awaitExit(EXIT)).isEqualTo(1);
      assertThat(visitor.stderr())
          .contains(
              "error: visitor of home-echo cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("choose another --bind");
    }
    try (PipeProcess weak =
        clientSide(
            "client",
            Fixture.freePorts(1)[0],
            "--type",
            "relay",
            "--name",
            "home",
            "--secret",
            "short",
            "--local",
            "22")) {
      assertThat(weak.awaitExit(EXIT)).isEqualTo(1);
      assertThat(weak.stderr())
          .contains("error: relay tunnel home has a secret of 5 characters; use at least 12");
    }
  }
}
