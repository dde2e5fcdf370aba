package dev.pipe.server;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether a connection may be held: a slot, given back when it ends, or the limit that refused it.
 */
sealed interface Admission {

  /** Admitted: the slot is held until {@link #close()}, which may be called more than once. */
  final class Slot implements Admission, AutoCloseable {
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();

    Slot(Runnable release) {
      this.release = release;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        release.run();
      }
    }
  }

  /** Refused by this limit, whose configured value is {@code value}. */
  record Refused(ServerLimit limit, int value) implements Admission {}
}
