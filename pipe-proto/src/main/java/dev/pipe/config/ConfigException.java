package dev.pipe.config;

/**
 * A configuration value is wrong. The message names where (file and line, or the flag), what was
 * found and what to write instead; the CLI prints it and exits with status 1.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
