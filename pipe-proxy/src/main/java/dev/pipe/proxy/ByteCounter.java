package dev.pipe.proxy;

/**
 * Where a copy loop reports the bytes it moved, once per read, while the connection is open: this
 * is what makes byte counts on a dashboard move during a long download instead of jumping at its
 * end. Implementations must be cheap and must not allocate (a {@code LongAdder::add} is ideal).
 */
@FunctionalInterface
public interface ByteCounter {
  /** Counts nothing: for a splice nobody watches. */
  ByteCounter NONE = bytes -> {};

  void add(long bytes);
}
