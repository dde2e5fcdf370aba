package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import java.net.Socket;
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
 * User connections that wait for the client's data connection, by id. Each waits at most {@code
 * ttl}; at most {@code capacity} wait at once, so a flood of users cannot make the server hold
 * unbounded state for a client that never answers. Only the client that owns a connection's tunnel
 * may fail it, and only a data connection of the same user may claim it.
 */
final class PendingConnections {
  private static final Logger log = LoggerFactory.getLogger(PendingConnections.class);

  /** A user connection waiting for its data connection. */
  record Pending(ConnectionId id, Socket user, StreamTunnel listener, ScheduledFuture<?> expiry) {}

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

  /** Holds {@code user} under {@code id}; false if the server already holds its maximum. */
  boolean add(ConnectionId id, Socket user, StreamTunnel listener) {
    if (!capacity.tryAcquire()) {
      return false;
    }
    ScheduledFuture<?> expiry =
        timer.schedule(() -> expire(id), ttl.toMillis(), TimeUnit.MILLISECONDS);
    waiting.put(id, new Pending(id, user, listener, expiry));
    return true;
  }

  /**
   * Takes the user connection for {@code id} on behalf of a data connection of {@code claimant};
   * null if the id is unknown, already claimed, expired, or belongs to another user. The caller
   * then owns the user connection and what its tunnel counts of it.
   */
  Pending claim(ConnectionId id, User claimant) {
    Pending pending = waiting.get(id);
    if (pending == null) {
      return null;
    }
    // sameAs, not equals: a reload makes new User objects for the users it keeps.
    if (!pending.listener().owner().user().sameAs(claimant)) {
      log.warn(
          "a data connection of user {} presented connection id={} of user {}; refused",
          claimant,
          id,
          pending.listener().owner().user());
      return null;
    }
    return take(id);
  }

  /** The client could not serve this user connection: close it now rather than at expiry. */
  void fail(ConnectionId id, String reason, ControlSession from) {
    Pending pending = waiting.get(id);
    if (pending == null) {
      return;
    }
    if (pending.listener().owner() != from) {
      log.warn("client {} tried to fail connection id={} of another client; ignored", from, id);
      return;
    }
    if (take(id) != null) {
      log.warn(
          "connection id={} tunnel={} closed: the client could not serve it: {}",
          id,
          pending.listener().tunnel(),
          reason);
      pending.listener().abandon(pending.user(), reason);
    }
  }

  /** Closes every user connection still waiting on {@code listener}, which is going away. */
  void dropAll(StreamTunnel listener) {
    for (Pending pending : waiting.values()) {
      if (pending.listener() == listener && take(pending.id()) != null) {
        listener.abandon(pending.user(), "the tunnel closed");
      }
    }
  }

  int capacity() {
    return maxWaiting;
  }

  private void expire(ConnectionId id) {
    Pending pending = remove(id);
    if (pending != null) {
      log.warn(
          "connection id={} tunnel={} closed: no data connection from the client within {} ms",
          id,
          pending.listener().tunnel(),
          ttl.toMillis());
      pending
          .listener()
          .abandon(pending.user(), "no data connection within " + ttl.toMillis() + " ms");
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
