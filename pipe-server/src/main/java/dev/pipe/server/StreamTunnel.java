package dev.pipe.server;

import java.net.Socket;

/**
 * A tunnel that hands each of its connections to its client over a data connection of its own: a
 * TCP tunnel's {@link PublicListener} (a user) or a relay {@link Reservation} (a visitor's
 * circuit). Such a connection goes through {@link ControlSession#requestDataConnection} and may
 * wait in {@link PendingConnections} on behalf of its tunnel, which decides what becomes of it if
 * no data connection comes. A UDP tunnel is not one: all its peers share one data connection, which
 * its {@link PublicDatagramPort} asks for on its own.
 */
sealed interface StreamTunnel permits PublicListener, Reservation {
  ControlSession owner();

  /** The name the client gave the tunnel. */
  String tunnel();

  TunnelInfo info();

  /**
   * A waiting connection will never get its data connection: end it, telling its peer {@code
   * reason} if the peer can be told.
   */
  void abandon(Socket waiting, String reason);
}
