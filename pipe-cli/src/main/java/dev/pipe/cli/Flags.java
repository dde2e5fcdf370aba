package dev.pipe.cli;

import dev.pipe.config.ConfigException;
import java.util.function.Function;

/** Parses a flag's value so that a bad value is reported as that flag's configuration error. */
final class Flags {
  private Flags() {}

  static <T> T parse(String flag, String value, Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(flag + ": " + e.getMessage());
    }
  }
}
