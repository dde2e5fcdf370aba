package dev.pipe.server;

/**
 * The public end of one tunnel, as its control session holds it: a TCP tunnel's {@link
 * PublicListener} (alone on its {@link PublicPort} or a member of a load-balanced group), a UDP
 * tunnel's {@link PublicDatagramPort}, or an http or https tunnel's names on the shared ports
 * ({@link NamedTunnel}). {@link TunnelPorts} opens and releases the first two, {@link HostRoutes}
 * the last.
 */
sealed interface PublicEndpoint permits PublicListener, PublicDatagramPort, NamedTunnel {
  /** The name the client gave the tunnel. */
  String tunnel();

  TunnelInfo info();

  /** Its public port; for http and https tunnels, the port they share. */
  int port();

  /**
   * Starts serving users (TCP) or peers (UDP). Called once the client has been told the tunnel is
   * open: a UDP tunnel's first act is an {@code Exchange}, which must follow {@code
   * ForwardAccepted}.
   */
  void start();

  /** Records the client's health verdict on the local service; true if it changed. */
  boolean health(boolean healthy);

  /** Cuts what the tunnel carries now; called after it was released, when an operator closes it. */
  void cutConnections();

  /**
   * Where users reach it, for a log line: {@code 9000} for TCP, {@code 9000/udp} for UDP, the names
   * of an http or https tunnel.
   */
  default String describe() {
    return switch (info().type()) {
      case TCP -> String.valueOf(port());
      case UDP -> port() + "/udp";
      case HTTP, HTTPS -> String.join(", ", info().hosts());
    };
  }
}
