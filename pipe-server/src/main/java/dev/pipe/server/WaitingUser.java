package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A user of an {@link OpenTunnel} waiting for a data connection from its client: a TCP or TLS
 * connection to splice ({@link SplicedUser}), or the requests of an HTTP connection to one tunnel
 * ({@link HttpWaiter}). It gets a pooled data connection at once ({@link #assigned}), or waits in
 * {@link PendingConnections} for a new one ({@link #claimed}). Exactly one of {@link #claimed},
 * {@link #assigned} and {@link #abandoned} is called.
 */
interface WaitingUser {
  /** The user's address, for the client's PROXY protocol header and ip_hash; null if unknown. */
  InetSocketAddress source();

  /** The server address the user reached; null if unknown. */
  InetSocketAddress destination();

  /**
   * A new data connection arrived and logged in with this user's {@code id}; it is told {@code
   * DataAccepted} here, or refused. Runs on the data connection's own thread, which it may keep for
   * as long as it carries the user's bytes.
   */
  void claimed(ConnectionId id, ControlChannel data);

  /**
   * A pooled data connection was handed to this user; it is told {@code assign} here, or refused.
   * Runs on the pooled connection's waiter thread, which it may keep for as long as it carries the
   * user's bytes; what the connection's watcher reads first goes to the reader given to {@link
   * PooledConnection#readWith}.
   */
  void assigned(Message.Assign assign, PooledConnection data);

  /** No data connection will come (expired, the client failed, the tunnel closed): why. */
  void abandoned(String reason);

  /** Asks the tunnel's client for a new data connection for this user. */
  default Message.Exchange exchange(ConnectionId id, String tunnel) {
    if (source() == null || destination() == null) {
      return new Message.Exchange(id, tunnel);
    }
    return new Message.Exchange(id, tunnel, endpoint(source()), endpoint(destination()));
  }

  /** Tells a pooled data connection that it carries this user from now on. */
  default Message.Assign assign(ConnectionId id, String tunnel) {
    if (source() == null || destination() == null) {
      return new Message.Assign(id, tunnel, null, null);
    }
    return new Message.Assign(id, tunnel, endpoint(source()), endpoint(destination()));
  }

  /** {@code IP:PORT}, with IPv6 in brackets and without a scope, as the messages carry it. */
  private static String endpoint(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String literal = ip.getHostAddress();
    int scope = literal.indexOf('%');
    literal = scope < 0 ? literal : literal.substring(0, scope);
    return (ip instanceof Inet6Address ? "[" + literal + "]" : literal) + ":" + address.getPort();
  }
}
