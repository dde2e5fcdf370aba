package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import java.net.InetSocketAddress;

/**
 * A user waiting in {@link PendingConnections} for the data connection its client opens: a TCP or
 * TLS connection to splice ({@link SplicedUser}), or the requests of an HTTP connection to one
 * tunnel. Exactly one of {@link #claimed} and {@link #abandoned} is called.
 */
interface WaitingUser {
  /** The user's address, for the client's PROXY protocol header; null if unknown. */
  InetSocketAddress source();

  /** The server address the user reached; null if unknown. */
  InetSocketAddress destination();

  /**
   * The data connection arrived and logged in with this user's {@code id}; it is told {@code
   * DataAccepted} here, or refused. Runs on the data connection's own thread, which it may keep for
   * as long as it carries the user's bytes.
   */
  void claimed(ConnectionId id, ControlChannel data);

  /** No data connection will come (expired, the client failed, the tunnel closed): why. */
  void abandoned(String reason);
}
