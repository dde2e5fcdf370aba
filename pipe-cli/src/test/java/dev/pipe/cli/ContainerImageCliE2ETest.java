package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.e2e.Fixture;
import dev.pipe.example.EchoServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project's Dockerfile built and run with podman, and a tunnel served from the container to a
 * pipe client on the host. No registry is reachable here, so scripts/container-bases.sh first
 * assembles the base images the Dockerfile names from Debian and the local JDK (it does nothing
 * when they exist). The build mounts the host's Maven repository, so it needs no network either.
 * Every published port is on 127.0.0.1.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ContainerImageCliE2ETest {
  private static final Path CONTAINERS_CONF = PipeProcess.REPO.resolve(".ci/containers.conf");
  private static final Duration BUILD = Duration.ofMinutes(10);
  private static final Duration SHORT = Duration.ofSeconds(60);
  private static final String TOKEN = "container-token-1c9d";

  @TempDir Path dir;
  private final String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private final String image = "localhost/pipe-e2e:" + suffix;
  private final String container = "pipe-e2e-" + suffix;

  @BeforeEach
  void assembleBaseImages() throws Exception {
    assertThat(Path.of("/usr/bin/podman")).as("podman (.ci/run installs it)").isExecutable();
    Result bases = run(BUILD, PipeProcess.REPO.resolve("scripts/container-bases.sh").toString());
    assertThat(bases.status()).as(bases.output()).isZero();
  }

  @AfterEach
  void removeContainerAndImage() throws Exception {
    run(SHORT, "podman", "rm", "--force", "--ignore", container);
    run(SHORT, "podman", "rmi", "--force", "--ignore", image);
    // The build stage stays behind as a dangling image of some 450 MB per run.
    run(SHORT, "podman", "image", "prune", "--force");
  }

  @Test
  void theImageBuildsRunsAsNonRootAndServesATunnel() throws Exception {
    List<String> build =
        new ArrayList<>(List.of("podman", "build", "--format", "docker", "--network", "host"));
    Path m2 = Path.of(System.getProperty("user.home"), ".m2");
    if (Files.isDirectory(m2)) {
      build.addAll(List.of("--volume", m2 + ":/root/.m2"));
    }
    build.addAll(List.of("--tag", image, PipeProcess.REPO.toString()));
    Result built = run(BUILD, build.toArray(String[]::new));
    assertThat(built.status()).as(built.output()).isZero();

    Result config =
        run(
            SHORT,
            "podman",
            "image",
            "inspect",
            "--format",
            "{{.Config.User}} {{json .Config.ExposedPorts}} {{json .Config.Healthcheck.Test}}",
            image);
    assertThat(config.output())
        .startsWith("65532:65532 ")
        .contains("\"8910/tcp\"", "\"8911/tcp\"", "\"9000-9100/tcp\"", "/healthz");

    int[] ports = Fixture.freePorts(2);
    Result started =
        run(
            SHORT,
            "podman",
            "run",
            "--detach",
            "--name",
            container,
            "--publish",
            "127.0.0.1:" + ports[0] + ":8910",
            "--publish",
            "127.0.0.1:" + ports[1] + ":9000",
            "--env",
            "PIPE_TOKEN=" + TOKEN,
            "--env",
            "PIPE_ALLOW_PORTS=9000",
            image);
    assertThat(started.status()).as(started.output()).isZero();
    awaitHealthy();

    try (EchoServer echo = EchoServer.start("127.0.0.1", 0);
        PipeProcess client =
            PipeProcess.start(
                dir,
                Map.of("PIPE_TOKEN", TOKEN),
                "client",
                "--status",
                "off",
                "--state-dir",
                dir.resolve("client-state").toString(),
                "--server",
                "127.0.0.1:" + ports[0],
                "--local",
                String.valueOf(echo.port()),
                "--remote",
                "9000",
                "--name",
                "boxed")) {
      client.await("tunnel boxed ready: tcp 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:9000");
      byte[] payload = Fixture.randomBytes(11, 300_000);
      try (Socket user = new Socket("127.0.0.1", ports[1])) {
        user.setSoTimeout(30_000);
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    user.getOutputStream().write(payload);
                    user.shutdownOutput();
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
        assertThat(user.getInputStream().readAllBytes()).isEqualTo(payload);
      }
    }

    Result stopped = run(SHORT, "podman", "stop", "--time", "20", container);
    assertThat(stopped.status()).as(stopped.output()).isZero();
    Result exit = run(SHORT, "podman", "inspect", "--format", "{{.State.ExitCode}}", container);
    assertThat(exit.output().strip()).as("SIGTERM is a clean stop").isEqualTo("0");
    Result logs = run(SHORT, "podman", "logs", container);
    assertThat(logs.output())
        .contains("tunnel boxed of client", "pipe server stopped")
        .doesNotContain(TOKEN);
  }

  /** Runs the image's own HEALTHCHECK until it passes. */
  private void awaitHealthy() throws Exception {
    long deadline = System.nanoTime() + SHORT.toNanos();
    Result health;
    do {
      health = run(SHORT, "podman", "healthcheck", "run", container);
      if (health.status() == 0) {
        return;
      }
      Thread.sleep(500);
    } while (System.nanoTime() < deadline);
    Result logs = run(SHORT, "podman", "logs", container);
    throw new AssertionError(
        "the container did not become healthy within "
            + SHORT.toSeconds()
            + " s: "
            + health.output()
            + "\nits log:\n"
            + logs.output());
  }

  private record Result(int status, String output) {}

  private Result run(Duration timeout, String... command) throws Exception {
    Path output = Files.createTempFile(dir, "podman-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().put("CONTAINERS_CONF", CONTAINERS_CONF.toString());
    Process process = builder.start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(
          String.join(" ", command)
              + " did not finish within "
              + timeout.toSeconds()
              + " s:\n"
              + Files.readString(output, StandardCharsets.UTF_8));
    }
    return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
  }
}
