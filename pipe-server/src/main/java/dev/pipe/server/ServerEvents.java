package dev.pipe.server;

import java.util.List;

/**
 * What the server reports as it runs: the seam that metrics, the stats log line and any later
 * observer plug into. The server calls these methods on the thread where the event happens, so an
 * implementation must be quick and thread-safe, and must not throw. Every method does nothing by
 * default: an observer overrides what it cares about.
 *
 * <p>Bytes are not events: they are counted live, inside the copy loops, in the {@link
 * dev.pipe.proxy.Traffic} of each tunnel ({@link TunnelInfo#traffic()}), which an observer reads
 * when it needs to. A UDP tunnel reports into the same places: {@link #tunnelOpened} with its
 * {@link dev.pipe.proto.TunnelType}, each peer session through {@link #connectionOpened}/{@link
 * #connectionClosed} and {@code traffic().connectionOpened()}, its payload bytes through {@code
 * traffic().in()} and {@code out()}; {@link #userConnectionDispatched} is for TCP users only. A new
 * kind of tunnel does the same, and reports a new limit as a {@link ServerLimit}.
 */
public interface ServerEvents {

  /** A client logged in and its control session is open. */
  default void clientConnected(ClientInfo client) {}

  /** A client's control session ended, for whatever reason. */
  default void clientLeft(ClientInfo client) {}

  /** A tunnel's public port is open. */
  default void tunnelOpened(TunnelInfo tunnel) {}

  /** A tunnel's public port closed; {@code reason} is for humans. Called once per tunnel. */
  default void tunnelClosed(TunnelInfo tunnel, String reason) {}

  /**
   * A user connection was handed to its client: over a pooled data connection at once, or by asking
   * the client to open one ({@code pooled} false).
   */
  default void userConnectionDispatched(TunnelInfo tunnel, boolean pooled) {}

  /** A user connection was matched with its data connection and now carries bytes. */
  default void connectionOpened(TunnelInfo tunnel) {}

  /** A user connection that {@link #connectionOpened} reported has ended. */
  default void connectionClosed(TunnelInfo tunnel) {}

  /**
   * A tunnel's client reported its local service healthy again, or unhealthy: it is back in, or out
   * of, its port's rotation. Called once per change.
   */
  default void tunnelHealthChanged(TunnelInfo tunnel, boolean healthy, String reason) {}

  /** A connection to the control port did not log in. */
  default void handshakeFailed(HandshakeFailure reason) {}

  /** A request was refused because a limit was reached. */
  default void limitHit(ServerLimit limit) {}

  /** Reports every event to each of {@code observers}, in order. */
  static ServerEvents all(List<ServerEvents> observers) {
    return new AllEvents(List.copyOf(observers));
  }
}
