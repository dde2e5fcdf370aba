package dev.pipe.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The data connections of one http tunnel that carried a complete response and wait, still
 * connected to the local service, for the next user connection: as a reverse proxy keeps
 * connections to its backends, so that a user connection that closes after each request (or a new
 * visitor) does not cost a new data connection, its login and its TLS handshake. At most {@link
 * #MAX_IDLE} per tunnel, none idle longer than {@link #MAX_IDLE_TIME}, all closed with the tunnel.
 */
final class IdleUpstreams {
  /** Idle data connections one tunnel keeps. */
  static final int MAX_IDLE = 16;

  /**
   * How long one is kept: below the 5 s after which Node.js closes idle connections, so that few
   * are found closed by the local service when they are taken.
   */
  static final Duration MAX_IDLE_TIME = Duration.ofSeconds(4);

  private final ReentrantLock lock = new ReentrantLock();
  private final Deque<HttpUpstream> idle = new ArrayDeque<>();
  private boolean closed;

  /** Keeps {@code upstream} for later; false if there is no room, and the caller closes it. */
  boolean offer(HttpUpstream upstream) {
    lock.lock();
    try {
      if (closed || idle.size() >= MAX_IDLE) {
        return false;
      }
      idle.push(upstream);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The most recently idled data connection that is not too old, or null; older ones are closed.
   */
  HttpUpstream take() {
    List<HttpUpstream> expired = new ArrayList<>();
    HttpUpstream taken = null;
    lock.lock();
    try {
      while (taken == null && !idle.isEmpty()) {
        HttpUpstream candidate = idle.pop();
        if (candidate.idleNanos() < MAX_IDLE_TIME.toNanos()) {
          taken = candidate;
        } else {
          expired.add(candidate);
        }
      }
    } finally {
      lock.unlock();
    }
    expired.forEach(HttpUpstream::close);
    return taken;
  }

  /** Closes every idle data connection; later offers are refused. */
  void closeAll() {
    List<HttpUpstream> all;
    lock.lock();
    try {
      closed = true;
      all = List.copyOf(idle);
      idle.clear();
    } finally {
      lock.unlock();
    }
    all.forEach(HttpUpstream::close);
  }
}
