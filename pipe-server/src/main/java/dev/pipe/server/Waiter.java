package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A connection accepted for a tunnel that waits in {@link PendingConnections} for a new data
 * connection from the tunnel's client, announced with {@link Message.Exchange}: a user of a {@link
 * StreamTunnel} ({@link WaitingUser}, which may take a pooled data connection instead) or a
 * visitor's relay circuit ({@link WaitingCircuit}, which never does). Exactly one of {@link
 * #claimed} and {@link #abandoned} is called once it waits there.
 */
sealed interface Waiter permits WaitingUser, WaitingCircuit {
  /** The user's address, for the client's PROXY protocol header and ip_hash; null if unknown. */
  InetSocketAddress source();

  /** The server address the user reached; null if unknown. */
  InetSocketAddress destination();

  /**
   * A new data connection arrived and logged in with this connection's {@code id}; it is told
   * {@code DataAccepted} here, or refused. Runs on the data connection's own thread, which it may
   * keep for as long as it carries the bytes.
   */
  void claimed(ConnectionId id, ControlChannel data);

  /** No data connection will come (expired, the client failed, the tunnel closed): why. */
  void abandoned(String reason);

  /** Asks the tunnel's client for a new data connection for this connection. */
  default Message.Exchange exchange(ConnectionId id, String tunnel) {
    if (source() == null || destination() == null) {
      return new Message.Exchange(id, tunnel);
    }
    return new Message.Exchange(id, tunnel, endpoint(source()), endpoint(destination()));
  }

  /** {@code IP:PORT}, with IPv6 in brackets and without a scope, as the messages carry it. */
  static String endpoint(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String literal = ip.getHostAddress();
    int scope = literal.indexOf('%');
    literal = scope < 0 ? literal : literal.substring(0, scope);
    return (ip instanceof Inet6Address ? "[" + literal + "]" : literal) + ":" + address.getPort();
  }
}
