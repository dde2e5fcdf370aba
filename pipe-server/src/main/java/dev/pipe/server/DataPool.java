package dev.pipe.server;

import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The idle data connections one client opened ahead of time. A user connection takes one at once
 * instead of waiting for the client to dial, log in and claim it: the difference between a loopback
 * round trip and a TCP connect plus a TLS handshake plus a login. At most {@code capacity} wait;
 * the client refills what is taken.
 */
final class DataPool {
  private final int capacity;
  private final Deque<PooledConnection> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger size = new AtomicInteger();

  DataPool(int capacity) {
    this.capacity = capacity;
  }

  int capacity() {
    return capacity;
  }

  /** Idle connections now. */
  int idle() {
    return size.get();
  }

  /** Adds a connection; false if the pool is full. */
  boolean join(PooledConnection connection) {
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      return false;
    }
    idle.addLast(connection);
    return true;
  }

  /** The connection waiting longest (least likely to be stale), or null if none waits. */
  PooledConnection take() {
    PooledConnection connection = idle.pollFirst();
    if (connection != null) {
      size.decrementAndGet();
    }
    return connection;
  }

  /** A connection that died while idle leaves the pool. */
  void remove(PooledConnection connection) {
    if (idle.remove(connection)) {
      size.decrementAndGet();
    }
  }

  /** The client's session ended: its idle connections are closed. */
  void closeAll() {
    PooledConnection connection;
    while ((connection = take()) != null) {
      connection.close();
    }
  }
}
