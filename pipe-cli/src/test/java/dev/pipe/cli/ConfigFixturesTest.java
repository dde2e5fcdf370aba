package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.client.ClientConfig;
import dev.pipe.config.ConfigException;
import dev.pipe.server.ServerConfig;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every config in {@code config/valid} and in {@code example/configs} loads; every config in {@code
 * config/invalid} fails with the message (and line) its first comment expects. A file whose name
 * starts with {@code server-} is a server config, anything else a client config.
 */
class ConfigFixturesTest {

  static List<Path> valid() throws Exception {
    List<Path> files = list(fixtures("valid"));
    files.addAll(list(PipeProcess.REPO.resolve("example/configs")));
    return files;
  }

  static List<Path> invalid() throws Exception {
    return list(fixtures("invalid"));
  }

  @ParameterizedTest
  @MethodSource("valid")
  void validConfigsLoad(Path file) {
    if (isServer(file)) {
      assertThat(ServerConfig.builder().file(file).build()).isNotNull();
    } else {
      ClientConfig config = ClientConfig.builder().file(file).build();
      assertThat(config.tunnels().size() + config.visitors().size()).isPositive();
    }
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void invalidConfigsFailWithTheExpectedMessage(Path file) throws IOException {
    String firstLine = Files.readAllLines(file).getFirst();
    assertThat(firstLine).as("first line of %s", file).startsWith("# expect: ");
    String expected = firstLine.substring("# expect: ".length());
    assertThatThrownBy(
            () -> {
              if (isServer(file)) {
                ServerConfig.builder().file(file).build();
              } else {
                ClientConfig.builder().file(file).build();
              }
            })
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(expected);
  }

  private static boolean isServer(Path file) {
    return file.getFileName().toString().startsWith("server");
  }

  private static Path fixtures(String kind) throws URISyntaxException {
    return Path.of(ConfigFixturesTest.class.getResource("/config/" + kind).toURI());
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> tomls = files.filter(f -> f.toString().endsWith(".toml")).sorted().toList();
      assertThat(tomls).as("config files in %s", dir).isNotEmpty();
      return new java.util.ArrayList<>(tomls);
    }
  }
}
