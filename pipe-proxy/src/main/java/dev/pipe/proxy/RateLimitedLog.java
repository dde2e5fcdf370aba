package dev.pipe.proxy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning that may fire thousands of times a second under attack (a limit being hit) is logged at
 * most once per interval, with the number of times it was suppressed.
 */
public final class RateLimitedLog {
  private static final Duration INTERVAL = Duration.ofMinutes(1);

  private final Logger log;
  private final AtomicLong nextAllowedNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong suppressed = new AtomicLong();

  public RateLimitedLog(Logger log) {
    this.log = log;
  }

  public void warn(String format, Object... arguments) {
    long now = System.nanoTime();
    long next = nextAllowedNanos.get();
    if (now - next >= 0 && nextAllowedNanos.compareAndSet(next, now + INTERVAL.toNanos())) {
      long skipped = suppressed.getAndSet(0);
      log.warn(
          format + (skipped > 0 ? " (" + skipped + " more since the last such line)" : ""),
          arguments);
    } else {
      suppressed.incrementAndGet();
    }
  }
}
