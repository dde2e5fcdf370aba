package dev.pipe.proxy;

import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The splices running in one process. Kept so that shutdown can let them finish for a grace period
 * and then cut whatever is left.
 */
public final class ActiveSplices {
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition drained = lock.newCondition();

  /** Runs {@link Splice#run} on the calling thread, tracked until both directions end. */
  public Splice.Result run(Splice.Side a, Splice.Side b, String name) {
    add(a.socket(), b.socket());
    try {
      return Splice.run(a, b, name);
    } finally {
      remove(a.socket(), b.socket());
    }
  }

  /**
   * A splice whose directions the caller runs ({@link Splice#between}), tracked until both end;
   * {@code onEnd} runs after that.
   */
  public Splice open(Splice.Side a, Splice.Side b, String name, Runnable onEnd) {
    add(a.socket(), b.socket());
    return Splice.between(
        a,
        b,
        name,
        () -> {
          remove(a.socket(), b.socket());
          onEnd.run();
        });
  }

  /**
   * Tracks two connected sockets that something other than a splice carries (a proxy that reads
   * what passes), until {@link #remove}.
   */
  public void add(Socket a, Socket b) {
    sockets.add(a);
    sockets.add(b);
  }

  /** Stops tracking two sockets given to {@link #add}. */
  public void remove(Socket a, Socket b) {
    sockets.remove(a);
    sockets.remove(b);
    signalIfDrained();
  }

  /** Splices running now. */
  public int size() {
    return sockets.size() / 2;
  }

  /** Waits until no splice is left or the timeout passes; true if none is left. */
  public boolean awaitDrained(Duration timeout) throws InterruptedException {
    long remaining = timeout.toNanos();
    lock.lock();
    try {
      while (!sockets.isEmpty() && remaining > 0) {
        remaining = drained.awaitNanos(remaining);
      }
      return sockets.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Cuts every splice still running. */
  public void closeAll() {
    sockets.forEach(Sockets::closeQuietly);
  }

  private void signalIfDrained() {
    lock.lock();
    try {
      if (sockets.isEmpty()) {
        drained.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }
}
