package dev.pipe.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays: doubling from 0.5 s up to 30 s, each with random jitter of up to half its
 * length so that many clients cut off by one server restart do not all return in the same instant.
 */
final class Backoff {
  static final Duration INITIAL = Duration.ofMillis(500);
  static final Duration MAX = Duration.ofSeconds(30);

  private Duration ceiling = INITIAL;

  /** The next delay: between half and all of the current ceiling, which then doubles. */
  Duration next() {
    long ceilingMillis = ceiling.toMillis();
    long delay = ceilingMillis / 2 + ThreadLocalRandom.current().nextLong(ceilingMillis / 2 + 1);
    ceiling = ceiling.multipliedBy(2).compareTo(MAX) > 0 ? MAX : ceiling.multipliedBy(2);
    return Duration.ofMillis(delay);
  }

  /** After a connection that worked, start again from the shortest delay. */
  void reset() {
    ceiling = INITIAL;
  }
}
