package dev.pipe.server;

/**
 * The public end of one tunnel, as its control session holds it: a TCP tunnel's {@link
 * PublicListener} (alone on its {@link PublicPort} or a member of a load-balanced group), a UDP
 * tunnel's {@link PublicDatagramPort}, or an http or https tunnel's names on the shared ports
 * ({@link NamedTunnel}). {@link TunnelPorts} opens and releases the first two, {@link HostRoutes}
 * the last. A relay tunnel has no public end: it is an {@link OpenTunnel} of another kind, a {@link
 * Reservation}.
 */
sealed interface PublicEndpoint extends OpenTunnel
    permits PublicListener, PublicDatagramPort, NamedTunnel {
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

  /**
   * Where users reach it, for a log line: {@code 9000} for TCP, {@code 9000/udp} for UDP, the names
   * of an http or https tunnel.
   */
  String describe();
}
