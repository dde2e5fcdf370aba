package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;

/**
 * A user of a {@link StreamTunnel} waiting for a data connection from its client: a TCP or TLS
 * connection to splice ({@link SplicedUser}), or the requests of an HTTP connection to one tunnel
 * ({@link HttpWaiter}). It gets a pooled data connection at once ({@link #assigned}), or waits in
 * {@link PendingConnections} for a new one ({@link #claimed}). Exactly one of {@link #claimed},
 * {@link #assigned} and {@link #abandoned} is called.
 */
sealed interface WaitingUser extends Waiter permits SplicedUser, HttpWaiter {
  /**
   * A pooled data connection was handed to this user; it is told {@code assign} here, or refused.
   * Runs on the pooled connection's waiter thread, which it may keep for as long as it carries the
   * user's bytes; what the connection's watcher reads first goes to the reader given to {@link
   * PooledConnection#readWith}.
   */
  void assigned(Message.Assign assign, PooledConnection data);

  /** Tells a pooled data connection that it carries this user from now on. */
  default Message.Assign assign(ConnectionId id, String tunnel) {
    if (source() == null || destination() == null) {
      return new Message.Assign(id, tunnel, null, null);
    }
    return new Message.Assign(
        id, tunnel, Waiter.endpoint(source()), Waiter.endpoint(destination()));
  }
}
