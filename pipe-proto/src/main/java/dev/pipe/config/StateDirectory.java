package dev.pipe.config;

import java.nio.file.Path;

/**
 * Where pipe keeps what it must remember between runs: the server's generated certificate, the
 * client's known servers. {@code ~/.pipe} unless {@code --state-dir} says otherwise.
 */
public final class StateDirectory {
  public static final Path DEFAULT = Path.of(System.getProperty("user.home"), ".pipe");

  private StateDirectory() {}

  /** A path from a config file or a flag, with a leading {@code ~/} meaning the home directory. */
  public static Path expand(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the path is empty");
    }
    if (text.equals("~") || text.startsWith("~/")) {
      return Path.of(System.getProperty("user.home"), text.substring(1).replaceFirst("^/", ""));
    }
    return Path.of(text);
  }
}
