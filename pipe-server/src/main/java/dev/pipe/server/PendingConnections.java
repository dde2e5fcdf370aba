package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections that wait for the client's data connection, by id: users of TCP, http and https
 * tunnels, and visitors' relay circuits ({@link Waiter}). Each waits at most {@code ttl}; at most
 * {@code capacity} wait at once, so a flood of users cannot make the server hold unbounded state
 * for a client that never answers. Only the client that owns a connection's tunnel may fail it, and
 * only a data connection of the same user may claim it.
 */
final class PendingConnections {
  private static final Logger log = LoggerFactory.getLogger(PendingConnections.class);

  /** A connection waiting for its data connection. */
  record Pending(ConnectionId id, Waiter waiter, OpenTunnel tunnel, ScheduledFuture<?> expiry) {}

  private final Map<ConnectionId, Pending> waiting = new ConcurrentHashMap<>();
  private final Semaphore capacity;
  private final int maxWaiting;
  private final Duration ttl;
  private final ScheduledExecutorService timer;

  PendingConnections(int maxWaiting, Duration ttl, ScheduledExecutorService timer) {
    this.capacity = new Semaphore(maxWaiting);
    this.maxWaiting = maxWaiting;
    this.ttl = ttl;
    this.timer = timer;
  }

  /** Holds {@code waiter} under {@code id}; false if the server already holds its maximum. */
  boolean add(ConnectionId id, Waiter waiter, OpenTunnel tunnel) {
    if (!capacity.tryAcquire()) {
      return false;
    }
    ScheduledFuture<?> expiry =
        timer.schedule(() -> expire(id), ttl.toMillis(), TimeUnit.MILLISECONDS);
    waiting.put(id, new Pending(id, waiter, tunnel, expiry));
    return true;
  }

  /**
   * Takes the connection for {@code id} on behalf of a data connection of {@code claimant}; null if
   * the id is unknown, already claimed, expired, or belongs to another user. The caller then hands
   * the data connection to {@link Waiter#claimed}.
   */
  Pending claim(ConnectionId id, User claimant) {
    Pending pending = waiting.get(id);
    if (pending == null) {
      return null;
    }
    // sameAs, not equals: a reload makes new User objects for the users it keeps.
    if (!pending.tunnel().owner().user().sameAs(claimant)) {
      log.warn(
          "a data connection of user {} presented connection id={} of user {}; refused",
          claimant,
          id,
          pending.tunnel().owner().user());
      return null;
    }
    return take(id);
  }

  /** The client could not serve this connection: end it now rather than at expiry. */
  void fail(ConnectionId id, String reason, ControlSession from) {
    Pending pending = waiting.get(id);
    if (pending == null) {
      return;
    }
    if (pending.tunnel().owner() != from) {
      log.warn("client {} tried to fail connection id={} of another client; ignored", from, id);
      return;
    }
    if (take(id) != null) {
      log.warn(
          "connection id={} tunnel={} closed: the client could not serve it: {}",
          id,
          pending.tunnel().tunnel(),
          reason);
      pending.waiter().abandoned(reason);
    }
  }

  /** Gives up on every connection still waiting for {@code tunnel}, which is going away. */
  void dropAll(OpenTunnel tunnel) {
    for (Pending pending : waiting.values()) {
      if (pending.tunnel() == tunnel && take(pending.id()) != null) {
        pending.waiter().abandoned("the tunnel closed");
      }
    }
  }

  int capacity() {
    return maxWaiting;
  }

  private void expire(ConnectionId id) {
    Pending pending = remove(id);
    if (pending != null) {
      String reason = "no data connection from the client within " + ttl.toMillis() + " ms";
      log.warn("connection id={} tunnel={} closed: {}", id, pending.tunnel().tunnel(), reason);
      pending.waiter().abandoned(reason);
    }
  }

  private Pending take(ConnectionId id) {
    Pending pending = remove(id);
    if (pending != null) {
      pending.expiry().cancel(false);
    }
    return pending;
  }

  private Pending remove(ConnectionId id) {
    Pending pending = waiting.remove(id);
    if (pending != null) {
      capacity.release();
    }
    return pending;
  }
}
