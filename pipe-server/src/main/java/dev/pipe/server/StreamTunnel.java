package dev.pipe.server;

/**
 * A tunnel whose users each wait, on a connection of their own, for a data connection from the
 * tunnel's client: a TCP tunnel's {@link PublicListener} (on a port of its own or a group's) or an
 * http or https tunnel's {@link NamedTunnel} (names on the shared ports). {@link
 * ControlSession#requestDataConnection} hands such a user ({@link WaitingUser}) to the client, over
 * a pooled data connection or through {@link PendingConnections}. A UDP tunnel's peers share one
 * data connection, which its {@link PublicDatagramPort} asks for on its own; a relay {@link
 * Reservation}'s circuits never take a pooled connection ({@link WaitingCircuit}).
 */
sealed interface StreamTunnel extends OpenTunnel permits PublicListener, NamedTunnel {
  /** Who may use it and the connections it carries now. */
  TunnelUsers users();
}
