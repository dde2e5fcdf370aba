package dev.pipe.server;

/**
 * A tunnel this server holds open for a client, whatever brings its users in: a public port of its
 * own ({@link PublicListener}) or names on the shared HTTP and HTTPS ports ({@link NamedTunnel}).
 */
sealed interface OpenTunnel permits PublicListener, NamedTunnel {
  /** The client's session that asked for it. */
  ControlSession owner();

  /** What an operator sees of it, with its live traffic. */
  TunnelInfo info();

  /** Who may use it and the connections it carries now. */
  TunnelUsers users();

  /** The name the client gave it. */
  default String name() {
    return info().name();
  }
}
