package dev.pipe.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How the client checks that a local target is up: a TCP connect, or an HTTP GET that must answer
 * 2xx. A target is marked down after {@code failures} failed checks in a row and up again after
 * {@code successes} good ones, so that one lost packet does not flap it.
 */
public record HealthCheck(
    Kind kind, String path, Duration interval, Duration timeout, int failures, int successes) {

  /** What one check does. */
  public enum Kind {
    /** Connect to the target, then close. */
    TCP,
    /** GET {@code path} with {@code Connection: close}; up if the status is 2xx. */
    HTTP;

    public static Kind parse(String value) {
      return switch (value) {
        case "tcp" -> TCP;
        case "http" -> HTTP;
        default ->
            throw new IllegalArgumentException(
                "unknown health check '" + value + "'; use tcp or http");
      };
    }
  }

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_FAILURES = 3;
  public static final int DEFAULT_SUCCESSES = 2;
  public static final String DEFAULT_PATH = "/";

  /** Checks at most this many times a second per target, whatever the configuration says. */
  static final Duration MIN_INTERVAL = Duration.ofMillis(100);

  public HealthCheck {
    Objects.requireNonNull(kind, "kind");
    if (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new IllegalArgumentException(
          "health_path " + path + " must start with '/' and hold no spaces or control characters");
    }
    if (interval.compareTo(MIN_INTERVAL) < 0) {
      throw new IllegalArgumentException(
          "health_interval must be at least " + MIN_INTERVAL.toMillis() + "ms");
    }
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(interval) > 0) {
      throw new IllegalArgumentException(
          "health_timeout must be above zero and at most health_interval ("
              + interval.toMillis()
              + "ms)");
    }
    if (failures < 1 || failures > 100 || successes < 1 || successes > 100) {
      throw new IllegalArgumentException(
          "health_failures and health_successes must be between 1 and 100");
    }
  }

  /** A check of {@code kind} with the default timings. */
  public static HealthCheck of(Kind kind) {
    return new HealthCheck(
        kind, DEFAULT_PATH, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_FAILURES, DEFAULT_SUCCESSES);
  }
}
