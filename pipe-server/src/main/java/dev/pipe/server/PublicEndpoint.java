package dev.pipe.server;

/**
 * The public end of one tunnel, as its control session holds it: a TCP tunnel's {@link
 * PublicListener} (alone on its {@link PublicPort} or a member of a load-balanced group) or a UDP
 * tunnel's {@link PublicDatagramPort}. {@link TunnelPorts} opens and releases both.
 */
sealed interface PublicEndpoint permits PublicListener, PublicDatagramPort {
  /** The name the client gave the tunnel. */
  String tunnel();

  TunnelInfo info();

  /** Its public port. */
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

  /** The port for a log line: {@code 9000} for TCP, {@code 9000/udp} for UDP. */
  default String describe() {
    return switch (info().type()) {
      case TCP -> String.valueOf(port());
      case UDP -> port() + "/udp";
    };
  }
}
