package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one data connection of a UDP tunnel, and the asking for it. The server asks the client with
 * an {@code Exchange} under a fresh id; it asks again with a new id when none came within the
 * request timeout, or at once when the connection ends, but never sooner than {@link
 * Limits#DATAGRAM_CHANNEL_RETRY} after its previous request, so a connection that keeps failing
 * cannot make it spin. A connection that arrives for an id nobody waits for any more is refused.
 */
final class DatagramConnectionSlot {
  /** How the slot asks; the tunnel's port implements it. */
  interface Asker {
    /** Sends the client an Exchange for {@code id}, which the server then recognises. */
    void ask(ConnectionId id);

    /** The request for {@code id} is over (answered, given up or closed): forget it. */
    void forget(ConnectionId id);

    /** No connection came within the request timeout; the slot asks again. */
    void unanswered(Duration timeout);
  }

  private final Duration requestTimeout;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  // Written under the lock; channel and closed are read without it to notice a change.
  private volatile ControlChannel channel;
  private volatile boolean closed;
  private ConnectionId requested;
  private long nextRequestNanos = System.nanoTime();

  DatagramConnectionSlot(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
  }

  /** Asks for a data connection until one is attached and returns it; null once closed. */
  ControlChannel await(Asker asker) throws InterruptedException {
    while (true) {
      ConnectionId id;
      lock.lock();
      try {
        long pause = nextRequestNanos - System.nanoTime();
        while (!closed && channel == null && pause > 0) {
          pause = changed.awaitNanos(pause);
        }
        if (closed) {
          return null;
        }
        if (channel != null) {
          return channel;
        }
        id = ConnectionId.random();
        requested = id;
        nextRequestNanos = System.nanoTime() + Limits.DATAGRAM_CHANNEL_RETRY.toNanos();
      } finally {
        lock.unlock();
      }
      asker.ask(id);
      boolean unanswered;
      lock.lock();
      try {
        long left = requestTimeout.toNanos();
        while (!closed && channel == null && left > 0) {
          left = changed.awaitNanos(left);
        }
        unanswered = !closed && channel == null;
        if (id.equals(requested)) {
          requested = null;
        }
      } finally {
        lock.unlock();
      }
      asker.forget(id);
      if (unanswered) {
        asker.unanswered(requestTimeout);
      }
    }
  }

  /** True while the slot waits for a connection under {@code id}. */
  boolean waitsFor(ConnectionId id) {
    lock.lock();
    try {
      return !closed && channel == null && id.equals(requested);
    } finally {
      lock.unlock();
    }
  }

  /** Takes {@code data} as the connection for {@code id}; false if nobody waits for it now. */
  boolean attach(ConnectionId id, ControlChannel data) {
    lock.lock();
    try {
      if (closed || channel != null || !id.equals(requested)) {
        return false;
      }
      requested = null;
      channel = data;
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** True while {@code data} is the attached connection and the slot is open. */
  boolean holds(ControlChannel data) {
    return !closed && channel == data;
  }

  /** Closes {@code data} and lets it go if it is the attached one; true if it was. */
  boolean detach(ControlChannel data) {
    data.close();
    lock.lock();
    try {
      if (channel != data) {
        return false;
      }
      channel = null;
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the slot for good, and the attached connection with it; returns the id still asked for,
   * if any, so that the caller can forget it.
   */
  ConnectionId close() {
    ControlChannel current;
    ConnectionId id;
    lock.lock();
    try {
      closed = true;
      current = channel;
      channel = null;
      id = requested;
      requested = null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (current != null) {
      current.close();
    }
    return id;
  }
}
