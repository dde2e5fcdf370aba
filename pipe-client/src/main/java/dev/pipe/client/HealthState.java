package dev.pipe.client;

import java.util.Optional;

/**
 * The verdict on one target from a run of checks: it turns unhealthy after {@code failures} failed
 * checks in a row and healthy again after {@code successes} good ones in a row. It starts healthy,
 * as nginx and HAProxy do, so that a tunnel serves at once and a check that has not run yet does
 * not hold users back. Not thread-safe: one checker thread owns it.
 */
final class HealthState {
  private final int failures;
  private final int successes;
  private volatile boolean healthy = true;
  private int streak;

  HealthState(int failures, int successes) {
    this.failures = failures;
    this.successes = successes;
  }

  boolean healthy() {
    return healthy;
  }

  /** Counts one check; the new verdict if this check changed it. */
  Optional<Boolean> record(boolean passed) {
    if (passed == healthy) {
      streak = 0;
      return Optional.empty();
    }
    streak++;
    if (streak < (healthy ? failures : successes)) {
      return Optional.empty();
    }
    streak = 0;
    healthy = passed;
    return Optional.of(healthy);
  }
}
