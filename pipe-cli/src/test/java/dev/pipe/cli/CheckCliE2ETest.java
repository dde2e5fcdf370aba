package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code pipe check} as a user runs it, on every config fixture and example. */
@Timeout(60)
class CheckCliE2ETest {
  private static final Duration EXIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  static List<Path> invalid() throws Exception {
    return list("invalid");
  }

  static List<Path> valid() throws Exception {
    List<Path> files = new java.util.ArrayList<>(list("valid"));
    try (Stream<Path> examples = Files.list(PipeProcess.REPO.resolve("example/configs"))) {
      examples.filter(f -> f.toString().endsWith(".toml")).sorted().forEach(files::add);
    }
    return files;
  }

  private static List<Path> list(String kind) throws Exception {
    try (Stream<Path> files = Files.list(fixtures(kind))) {
      return files.filter(f -> f.toString().endsWith(".toml")).sorted().toList();
    }
  }

  private static Path fixtures(String kind) throws URISyntaxException {
    return Path.of(CheckCliE2ETest.class.getResource("/config/" + kind).toURI());
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void everyInvalidFixtureIsRefusedWithItsLine(Path file) throws Exception {
    String expected = Files.readAllLines(file).getFirst().substring("# expect: ".length());
    try (PipeProcess check = PipeProcess.start(dir, "check", "--config", file.toString())) {
      assertThat(check.awaitExit(EXIT)).as(check.stdout()).isEqualTo(1);
      String out = check.stdout();
      assertThat(out).contains(expected);
      // Every problem is on its own line, naming the file and the line.
      assertThat(out.lines().skip(1).toList())
          .isNotEmpty()
          .allSatisfy(
              line ->
                  assertThat(line)
                      .matches(
                          Pattern.compile("  " + Pattern.quote(file.toString()) + ":\\d+: .+")));
    }
  }

  @ParameterizedTest
  @MethodSource("valid")
  void everyValidConfigPasses(Path file) throws Exception {
    try (PipeProcess check = PipeProcess.start(dir, "check", "--config", file.toString())) {
      assertThat(check.awaitExit(EXIT)).as(check.stdout() + check.stderr()).isZero();
      assertThat(check.stdout()).startsWith(file + ": valid ");
    }
  }

  @Test
  void aFileWithSeveralProblemsListsThemAll() throws Exception {
    Path file = fixtures("invalid").resolve("client-many-problems.toml");
    try (PipeProcess check = PipeProcess.start(dir, "check", "--config", file.toString())) {
      assertThat(check.awaitExit(EXIT)).isEqualTo(1);
      assertThat(check.stdout())
          .startsWith(file + ": 3 problems")
          .contains(file + ":3: 'reconect' unknown key; did you mean 'reconnect'?")
          .contains(file + ":5: 'local' in [[tunnels]] #1 is invalid: 'nowhere' has no valid port")
          .contains(file + ":7: 'strategy' in [[tunnels]] #1 is invalid: unknown strategy");
    }
  }
}
