package dev.pipe.server;

import java.net.Socket;

/**
 * A tunnel a client holds on this server: a public port ({@link PublicListener}) or a relay
 * reservation ({@link Reservation}). Connections that wait in {@link PendingConnections} for the
 * client's data connection wait on behalf of one, and it decides what becomes of them.
 */
sealed interface OpenTunnel permits PublicListener, Reservation {
  ControlSession owner();

  String tunnel();

  TunnelInfo info();

  /** For log lines: {@code port 9000}, {@code relay tunnel home-ssh}. */
  String describe();

  /**
   * A waiting connection will never get its data connection: end it, telling its peer {@code
   * reason} if the peer can be told.
   */
  void abandon(Socket waiting, String reason);

  /** Closes every spliced connection of this tunnel, and any that is about to be spliced. */
  void cutConnections();
}
