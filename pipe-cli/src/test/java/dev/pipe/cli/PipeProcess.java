package dev.pipe.cli;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged pipe jar run as a separate process, as a user runs it. Its output goes to files, so
 * a chatty process can never block on a full pipe, and tests poll those files for lines.
 */
final class PipeProcess implements AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("pipe.jar", "target/pipe.jar"));
  static final Path REPO = Path.of(System.getProperty("pipe.repo", ".."));
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private PipeProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Runs {@code java -jar pipe.jar ARGS} with the given extra environment. */
  static PipeProcess start(Path dir, Map<String, String> environment, String... args)
      throws IOException {
    return start(dir, environment, List.of(), args);
  }

  /** The same with JVM options, such as a trust store for the client. */
  static PipeProcess start(
      Path dir, Map<String, String> environment, List<String> jvmOptions, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(JAVA));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", JAR.toString()));
    command.addAll(List.of(args));
    return launch(dir, environment, command);
  }

  /**
   * {@code pipe server} on loopback with a free control and admin port and its own state dir, with
   * {@code token} from the environment.
   */
  static PipeProcess server(Path dir, String token, String... extra) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "server",
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--admin-port",
                "0",
                "--state-dir",
                dir.resolve("server-state").toString()));
    args.addAll(List.of(extra));
    return start(dir, Map.of("PIPE_TOKEN", token), args.toArray(String[]::new));
  }

  static PipeProcess start(Path dir, String... args) throws IOException {
    return start(dir, Map.of(), args);
  }

  /**
   * A client-side command ({@code client}, {@code visit}) of the server on {@code port}, with
   * {@code token}, no status endpoint and a state directory of its own in {@code dir}.
   */
  static PipeProcess clientSide(Path dir, String token, String command, int port, String... extra)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                command,
                "--server",
                "127.0.0.1:" + port,
                "--status",
                "off",
                "--state-dir",
                dir.resolve(command + "-state").toString()));
    args.addAll(List.of(extra));
    return start(dir, Map.of("PIPE_TOKEN", token), args.toArray(String[]::new));
  }

  /** Runs any command line (the ./pipe launcher, for one). */
  static PipeProcess launch(Path dir, Map<String, String> environment, List<String> command)
      throws IOException {
    Files.createDirectories(dir);
    Path out = Files.createTempFile(dir, "stdout-", ".log");
    Path err = Files.createTempFile(dir, "stderr-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    // Only what the test sets: a PIPE_ variable of the caller's environment would change flags.
    builder.environment().keySet().removeIf(name -> name.startsWith("PIPE_"));
    builder.environment().putAll(environment);
    return new PipeProcess(builder.start(), out, err);
  }

  /** Waits for a line of stdout or stderr that matches, and returns the match. */
  Matcher await(Pattern pattern, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Matcher matcher = pattern.matcher(stdout() + "\n" + stderr());
      if (matcher.find()) {
        return matcher;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no output matching /"
                + pattern
                + "/ within "
                + timeout.toMillis()
                + " ms; alive="
                + process.isAlive()
                + "\nstdout:\n"
                + stdout()
                + "\nstderr:\n"
                + stderr());
      }
      Thread.sleep(50);
    }
  }

  Matcher await(String regex) throws IOException, InterruptedException {
    return await(Pattern.compile(regex), Duration.ofSeconds(30));
  }

  /** The control port a {@code pipe server} process reports it listens on. */
  int controlPort() throws IOException, InterruptedException {
    return Integer.parseInt(await("listening on 127\\.0\\.0\\.1:(\\d+)").group(1));
  }

  /** The public port a {@code pipe client} process reports for {@code tunnel}. */
  int readyPort(String tunnel) throws IOException, InterruptedException {
    return Integer.parseInt(
        await("tunnel " + tunnel + " ready: tcp \\S+ -> 127\\.0\\.0\\.1:(\\d+)").group(1));
  }

  /** Sends {@code text} through a tunnel to an echo service and returns what came back. */
  static String echoThrough(int port, String text) throws IOException {
    try (Socket user = new Socket("127.0.0.1", port)) {
      user.setSoTimeout(10_000);
      user.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      user.shutdownOutput();
      return new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Waits for the process to end and returns its exit status. */
  int awaitExit(Duration timeout) throws InterruptedException, IOException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "process still running after "
              + timeout.toMillis()
              + " ms\nstdout:\n"
              + stdout()
              + "\nstderr:\n"
              + stderr());
    }
    return process.exitValue();
  }

  /** SIGTERM, as systemd or docker stop sends it. */
  void terminate() {
    process.destroy();
  }

  /** SIGKILL: the process gets no chance to say goodbye. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  String stdout() throws IOException {
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  /** The file that receives the process's stderr, where its log lines go. */
  Path stderrFile() {
    return stderr;
  }

  String stderr() throws IOException {
    return Files.readString(stderr, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
