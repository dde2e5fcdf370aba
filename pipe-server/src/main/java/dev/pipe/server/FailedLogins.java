package dev.pipe.server;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Counts wrong-token logins per source address and bans a source that fails too often within a
 * window: a banned source's connections are closed at accept, before TLS or login. The table of
 * sources is bounded, so an attacker with many addresses cannot grow it without limit; past the
 * bound, new sources are simply not counted until old entries expire.
 */
final class FailedLogins {
  static final int MAX_SOURCES = 10_000;

  private record Entry(long windowStartNanos, int failures, long bannedUntilNanos) {}

  private final int threshold;
  private final long windowNanos;
  private final long banNanos;
  private final LongSupplier clock;
  private final Map<InetAddress, Entry> sources = new HashMap<>();
  private final ReentrantLock lock = new ReentrantLock();

  FailedLogins(int threshold, Duration window, Duration ban, LongSupplier nanoClock) {
    this.threshold = threshold;
    this.windowNanos = window.toNanos();
    this.banNanos = ban.toNanos();
    this.clock = nanoClock;
  }

  boolean isBanned(InetAddress source) {
    lock.lock();
    try {
      Entry entry = sources.get(source);
      return entry != null && entry.bannedUntilNanos() - clock.getAsLong() > 0;
    } finally {
      lock.unlock();
    }
  }

  /** Records a failed login; true if it was the one that got the source banned. */
  boolean recordFailure(InetAddress source) {
    long now = clock.getAsLong();
    lock.lock();
    try {
      Entry entry = sources.get(source);
      if (entry == null) {
        if (sources.size() >= MAX_SOURCES && !evictExpired(now)) {
          return false;
        }
        entry = new Entry(now, 0, now);
      } else if (now - entry.windowStartNanos() > windowNanos) {
        entry = new Entry(now, 0, entry.bannedUntilNanos());
      }
      int failures = entry.failures() + 1;
      boolean banNow = failures >= threshold && entry.bannedUntilNanos() - now <= 0;
      sources.put(
          source,
          new Entry(
              entry.windowStartNanos(),
              banNow ? 0 : failures,
              banNow ? now + banNanos : entry.bannedUntilNanos()));
      return banNow;
    } finally {
      lock.unlock();
    }
  }

  /** Drops entries whose window and ban are both over; true if that made room. */
  private boolean evictExpired(long now) {
    Iterator<Entry> entries = sources.values().iterator();
    while (entries.hasNext()) {
      Entry entry = entries.next();
      if (now - entry.windowStartNanos() > windowNanos && entry.bannedUntilNanos() - now <= 0) {
        entries.remove();
      }
    }
    return sources.size() < MAX_SOURCES;
  }
}
