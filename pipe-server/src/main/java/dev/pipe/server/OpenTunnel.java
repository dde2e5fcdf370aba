package dev.pipe.server;

/**
 * A tunnel a client holds on this server, by name: a public port ({@link PublicEndpoint}, TCP or
 * UDP) or a relay reservation ({@link Reservation}), which has none. Its control session releases
 * it when the client stops it or leaves.
 */
sealed interface OpenTunnel permits PublicEndpoint, Reservation {
  /** The name the client gave the tunnel. */
  String tunnel();

  TunnelInfo info();

  /** Cuts what the tunnel carries now; called after it was released, when an operator closes it. */
  void cutConnections();
}
