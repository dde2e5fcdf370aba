package dev.pipe.server;

/**
 * A tunnel whose users each wait, on a connection of their own, for a data connection from the
 * tunnel's client: a TCP tunnel's {@link PublicListener} (on a port of its own or a group's) or an
 * http or https tunnel's {@link NamedTunnel} (names on the shared ports). {@link
 * ControlSession#requestDataConnection} hands such a user ({@link WaitingUser}) to the client, over
 * a pooled data connection or through {@link PendingConnections}. A UDP tunnel's peers share one
 * data connection, so {@link PublicDatagramPort} is not one of these.
 */
sealed interface OpenTunnel permits PublicListener, NamedTunnel {
  /** The client's session that asked for it. */
  ControlSession owner();

  /** The name the client gave it. */
  String tunnel();

  /** What an operator sees of it, with its live traffic. */
  TunnelInfo info();

  /** Who may use it and the connections it carries now. */
  TunnelUsers users();
}
