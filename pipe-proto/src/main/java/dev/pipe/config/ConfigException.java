package dev.pipe.config;

import java.util.List;

/**
 * A configuration value is wrong. The message names where (file and line, or the flag), what was
 * found and what to write instead; the CLI prints it and exits with status 1. When a file has
 * several problems the message holds all of them, one per line (see {@link ConfigProblems}).
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  /** Each problem on its own, in the order they were found. */
  public List<String> problems() {
    return List.of(getMessage().split("\n"));
  }
}
