package dev.pipe.client;

import java.util.List;

/** What a client reports to whoever runs it (the CLI prints it, tests wait for it). */
public interface ClientListener {
  /** The server opened the tunnel; users reach it on {@code remotePort} of the server. */
  void tunnelReady(TunnelSpec tunnel, int remotePort);

  /**
   * The server opened an http or https tunnel; users reach it at {@code urls}. {@code notice}, when
   * not empty, says why it did not get the subdomain it asked for.
   */
  void tunnelReady(TunnelSpec tunnel, List<String> urls, String notice);

  /** The server refused the tunnel; {@code reason} says why and what to change. */
  void tunnelRejected(TunnelSpec tunnel, String reason);

  /** The connection to the server was lost while the tunnel was open; the client reconnects. */
  void tunnelOffline(TunnelSpec tunnel, String reason);

  /** An operator closed the tunnel on the server; the client will not ask for it again. */
  void tunnelClosed(TunnelSpec tunnel, String reason);

  /**
   * The tunnel's health check found every local target down ({@code healthy} false: the server
   * sends it no new users), or one up again. Called once per change.
   */
  default void tunnelHealth(TunnelSpec tunnel, boolean healthy, String reason) {}
}
