package dev.pipe.server;

/**
 * A tunnel a client holds on this server, by name: a public end ({@link PublicEndpoint}: a TCP
 * port, a UDP port, or an http or https tunnel's names) or a relay reservation ({@link
 * Reservation}), which has none. Those whose users each get a data connection of their own are also
 * a {@link StreamTunnel}. Its control session releases it when the client stops it or leaves.
 */
sealed interface OpenTunnel permits PublicEndpoint, StreamTunnel, Reservation {
  /** The client's session that asked for it. */
  ControlSession owner();

  /** The name the client gave it. */
  default String tunnel() {
    return info().name();
  }

  /** What an operator sees of it, with its live traffic. */
  TunnelInfo info();

  /** Cuts what the tunnel carries now; called after it was released, when an operator closes it. */
  void cutConnections();
}
