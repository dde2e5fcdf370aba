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
    track(a, b);
    try {
      return Splice.run(a, b, name);
    } finally {
      untrack(a, b);
    }
  }

  /**
   * A splice whose directions the caller runs ({@link Splice#between}), tracked until both end;
   * {@code onEnd} runs after that.
   */
  public Splice open(Splice.Side a, Splice.Side b, String name, Runnable onEnd) {
    track(a, b);
    return Splice.between(
        a,
        b,
        name,
        () -> {
          untrack(a, b);
          onEnd.run();
        });
  }

  private void track(Splice.Side a, Splice.Side b) {
    sockets.add(a.socket());
    sockets.add(b.socket());
  }

  private void untrack(Splice.Side a, Splice.Side b) {
    sockets.remove(a.socket());
    sockets.remove(b.socket());
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
