package dev.pipe.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the connections that have not logged in yet: from strangers at most {@code max} in all and
 * {@code maxPerSource} from one address. A flood of idle connections is refused at accept instead
 * of holding sockets until its deadline, and one noisy address cannot take every slot.
 *
 * <p>An address that already has a logged-in client draws from a pool of its own, {@code
 * maxFromClients} (the most data connections the server could be waiting for): that client opens a
 * data connection for every user connection, and neither a burst of users nor a flood from
 * strangers may make the server refuse its own clients.
 */
final class UnauthenticatedConnections {

  /** What {@link #enter} decided. */
  sealed interface Admission {}

  /** Admitted: the slot is held from accept until the login ends. */
  static final class Slot implements Admission, AutoCloseable {
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();

    private Slot(Runnable release) {
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

  private final Semaphore total;
  private final Semaphore fromClients;
  private final int max;
  private final int maxPerSource;
  private final int maxFromClients;
  private final ConcurrentHashMap<InetAddress, Integer> perSource = new ConcurrentHashMap<>();

  UnauthenticatedConnections(int max, int maxPerSource, int maxFromClients) {
    this.total = new Semaphore(max);
    this.fromClients = new Semaphore(maxFromClients);
    this.max = max;
    this.maxPerSource = maxPerSource;
    this.maxFromClients = maxFromClients;
  }

  /** Admits or refuses a connection from {@code source}, which may have a logged-in client. */
  Admission enter(InetAddress source, boolean hasClient) {
    if (hasClient) {
      return fromClients.tryAcquire()
          ? new Slot(fromClients::release)
          : new Refused(ServerLimit.MAX_PENDING_CONNECTIONS, maxFromClients);
    }
    if (!total.tryAcquire()) {
      return new Refused(ServerLimit.MAX_UNAUTHENTICATED_CONNECTIONS, max);
    }
    if (perSource.merge(source, 1, Integer::sum) > maxPerSource) {
      leaveStranger(source);
      return new Refused(ServerLimit.MAX_UNAUTHENTICATED_PER_SOURCE, maxPerSource);
    }
    return new Slot(() -> leaveStranger(source));
  }

  private void leaveStranger(InetAddress source) {
    perSource.computeIfPresent(source, (address, count) -> count == 1 ? null : count - 1);
    total.release();
  }
}
