package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.e2e.Fixture;
import dev.pipe.example.EchoServer;
import dev.pipe.example.HelloHttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pipe jar as a user runs it: separate server and client processes on loopback. */
@Timeout(120)
class PipeCliE2ETest {
  private static final String TOKEN = "cli-token-5be1";
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

  private PipeProcess client(Map<String, String> environment, String... args) throws Exception {
    List<String> all =
        new java.util.ArrayList<>(
            List.of(
                "client",
                "--status",
                "off",
                "--state-dir",
                dir.resolve("client-state").toString()));
    all.addAll(List.of(args));
    return PipeProcess.start(dir, environment, all.toArray(String[]::new));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "server",
        "client",
        "visit",
        "check",
        "demo",
        "example",
        "example http",
        "example echo",
        "example udp-echo"
      })
  void everyCommandHasHelp(String command) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
    args.add("--help");
    try (PipeProcess help = PipeProcess.start(dir, args.toArray(String[]::new))) {
      assertThat(help.awaitExit(EXIT)).isZero();
      assertThat(help.stdout())
          .startsWith("Usage: pipe" + (command.isEmpty() ? "" : " " + command));
    }
  }

  @Test
  void aTunnelBetweenTwoProcessesAndAFreePortChosenByTheServer() throws Exception {
    try (PipeProcess server = server()) {
      int control = server.controlPort();
      try (PipeProcess client =
          client(
              Map.of(),
              "--server",
              "127.0.0.1:" + control,
              "--token",
              TOKEN,
              "--local",
              String.valueOf(echo.port()),
              "--remote",
              "0",
              "--name",
              "web")) {
        int port = client.readyPort("web");
        assertThat(client.stdout())
            .contains("tunnel web ready: tcp 127.0.0.1:" + echo.port() + " -> 127.0.0.1:" + port);
        assertThat(PipeProcess.echoThrough(port, "hello through a process"))
            .isEqualTo("hello through a process");

        client.terminate();
        assertThat(client.awaitExit(EXIT)).as("SIGTERM is a clean stop").isZero();
        server.await("left: the client is shutting down");
      }
      server.terminate();
      assertThat(server.awaitExit(EXIT)).isZero();
      assertThat(server.stderr()).contains("pipe server stopped");
    }
  }

  @Test
  void aConfigFileWithThreeTunnels() throws Exception {
    int[] ports = Fixture.freePorts(2);
    try (HelloHttpServer web = HelloHttpServer.start("127.0.0.1", 0)) {
      Path serverToml = dir.resolve("server.toml");
      Files.writeString(
          serverToml,
          """
          bind = "127.0.0.1"
          port = 0
          admin_port = 0
          token = "%s"
          state_dir = "%s"
          allow_ports = "%d,%d,1024-65535"
          """
              .formatted(TOKEN, dir.resolve("server-state"), ports[0], ports[1]));
      try (PipeProcess server =
          PipeProcess.start(dir, "server", "--config", serverToml.toString())) {
        Path clientToml = dir.resolve("client.toml");
        Files.writeString(
            clientToml,
            """
            server = "127.0.0.1:%d"
            token = "%s"

            [[tunnels]]
            name = "echo-a"
            local = %d
            remote = %d

            [[tunnels]]
            name = "echo-b"
            local = "127.0.0.1:%d"
            remote = %d

            [[tunnels]]
            name = "web"
            local = %d
            remote = 0
            bandwidth = "10MiB"
            """
                .formatted(
                    server.controlPort(),
                    TOKEN,
                    echo.port(),
                    ports[0],
                    echo.port(),
                    ports[1],
                    web.port()));
        try (PipeProcess client = client(Map.of(), "--config", clientToml.toString())) {
          assertThat(client.readyPort("echo-a")).isEqualTo(ports[0]);
          assertThat(client.readyPort("echo-b")).isEqualTo(ports[1]);
          int webPort = client.readyPort("web");
          assertThat(PipeProcess.echoThrough(ports[0], "a")).isEqualTo("a");
          assertThat(PipeProcess.echoThrough(ports[1], "b")).isEqualTo("b");
          assertThat(httpGet(webPort)).contains("Hello from behind the tunnel!");
        }
      }
    }
  }

  @Test
  void aWrongTokenExitsWithStatus1AndSaysSo() throws Exception {
    try (PipeProcess server = server();
        PipeProcess client =
            client(
                Map.of("PIPE_TOKEN", "wrong-token-value"),
                "--server",
                "127.0.0.1:" + server.controlPort(),
                "--local",
                String.valueOf(echo.port()),
                "--remote",
                "0")) {
      assertThat(client.awaitExit(EXIT)).isEqualTo(1);
      assertThat(client.stderr())
          .contains("error: server 127.0.0.1:")
          .contains("token mismatch")
          .doesNotContain("wrong-token-value")
          .doesNotContain("\tat ");
      server.await(
          "authentication failure: source=127\\.0\\.0\\.1 port=\\d+ reason=\"token mismatch\"");
    }
  }

  @Test
  void whenEveryTunnelIsRejectedTheClientExitsWithStatus1AndTheReasons() throws Exception {
    int taken = Fixture.freePorts(1)[0];
    try (PipeProcess server = server("--allow-ports", String.valueOf(taken));
        PipeProcess client =
            client(
                Map.of("PIPE_TOKEN", TOKEN),
                "--server",
                "127.0.0.1:" + server.controlPort(),
                "--local",
                String.valueOf(echo.port()),
                "--remote",
                "1025")) {
      assertThat(client.awaitExit(EXIT)).isEqualTo(1);
      assertThat(client.stderr())
          .contains("tunnel tcp-" + echo.port() + " rejected: port 1025 is not allowed")
          .contains("error: the server rejected every tunnel");
    }
  }

  @Test
  void aKilledClientFreesItsPortForTheNextClient() throws Exception {
    int port = Fixture.freePorts(1)[0];
    try (PipeProcess server = server()) {
      String control = "127.0.0.1:" + server.controlPort();
      String[] args = {
        "--server",
        control,
        "--local",
        String.valueOf(echo.port()),
        "--remote",
        String.valueOf(port)
      };
      try (PipeProcess first = client(Map.of("PIPE_TOKEN", TOKEN), args)) {
        first.readyPort("tcp-" + echo.port());
        first.kill();
      }
      server.await("released ports \\[" + port + "\\]");
      try (PipeProcess second = client(Map.of("PIPE_TOKEN", TOKEN), args)) {
        assertThat(second.readyPort("tcp-" + echo.port())).isEqualTo(port);
        assertThat(PipeProcess.echoThrough(port, "again")).isEqualTo("again");
      }
    }
  }

  @Test
  void sigtermLetsAConnectionInFlightFinish() throws Exception {
    try (PipeProcess server = server();
        PipeProcess client =
            client(
                Map.of("PIPE_TOKEN", TOKEN),
                "--server",
                "127.0.0.1:" + server.controlPort(),
                "--local",
                String.valueOf(echo.port()),
                "--remote",
                "0")) {
      int port = client.readyPort("tcp-" + echo.port());
      try (Socket user = new Socket("127.0.0.1", port)) {
        user.setSoTimeout(10_000);
        user.getOutputStream().write("before ".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(user.getInputStream().readNBytes(7), StandardCharsets.UTF_8))
            .isEqualTo("before ");
        server.terminate();
        server.await("shutting down: 1 clients, 1 active connections");
        // Within the grace period the connection still carries bytes both ways.
        user.getOutputStream().write("after".getBytes(StandardCharsets.UTF_8));
        user.shutdownOutput();
        assertThat(new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo("after");
      }
      assertThat(server.awaitExit(EXIT)).isZero();
      client.await("the server said goodbye: the server is shutting down; reconnecting in");
    }
  }

  @Test
  void aServerWithoutATokenRefusesToStart() throws Exception {
    try (PipeProcess server = PipeProcess.start(dir, "server", "--port", "0")) {
      assertThat(server.awaitExit(EXIT)).isEqualTo(1);
      assertThat(server.stderr()).startsWith("error: no token configured");
    }
  }

  @Test
  void aRuntimeFailureExitsWithStatus2AndNoStackTrace() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        PipeProcess server =
            PipeProcess.start(
                dir,
                Map.of("PIPE_TOKEN", TOKEN),
                "server",
                "--bind",
                "127.0.0.1",
                "--state-dir",
                dir.resolve("server-state").toString(),
                "--port",
                String.valueOf(taken.getLocalPort()))) {
      assertThat(server.awaitExit(EXIT)).isEqualTo(2);
      assertThat(server.stderr())
          .contains("error: cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("choose another --port")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void usageErrorsExitWithStatus1() throws Exception {
    try (PipeProcess client =
        PipeProcess.start(dir, "client", "--local", "3000", "--remote", "0")) {
      assertThat(client.awaitExit(EXIT)).isEqualTo(1);
      assertThat(client.stderr()).contains("error: no server given");
    }
    try (PipeProcess bogus = PipeProcess.start(dir, "server", "--bogus")) {
      assertThat(bogus.awaitExit(EXIT)).isEqualTo(1);
      assertThat(bogus.stderr()).contains("error: Unknown option: '--bogus'");
    }
  }

  @Test
  void theReadmeDemoRunsThroughTheLauncherWithJava17FirstOnThePath() throws Exception {
    Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin");
    String path = (Files.isDirectory(java17) ? java17 + ":" : "") + "/usr/bin:/bin";
    try (PipeProcess demo =
        PipeProcess.launch(
            dir,
            Map.of("PATH", path, "JAVA_HOME", ""),
            List.of(PipeProcess.REPO.resolve("pipe").toString(), "demo", "--once"))) {
      assertThat(demo.awaitExit(Duration.ofMinutes(5))).isZero();
      assertThat(demo.stdout())
          .contains("HTTP 200: Hello from behind the tunnel!", "the tunnel works.");
    }
  }

  private static String httpGet(int port) throws IOException {
    try (Socket user = new Socket("127.0.0.1", port)) {
      user.setSoTimeout(10_000);
      user.getOutputStream()
          .write(
              "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
