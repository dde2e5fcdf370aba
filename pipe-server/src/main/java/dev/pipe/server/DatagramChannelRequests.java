package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids the server gave out in {@code Exchange} frames for UDP tunnels' data connections, and the
 * tunnel each belongs to. Each UDP tunnel has at most one request outstanding, so this holds at
 * most one entry per UDP tunnel.
 */
final class DatagramChannelRequests {
  private final Map<ConnectionId, PublicDatagramPort> requested = new ConcurrentHashMap<>();

  void register(ConnectionId id, PublicDatagramPort port) {
    requested.put(id, port);
  }

  /** The tunnel that asked for {@code id}, which is used up; null if nobody asked for it. */
  PublicDatagramPort claim(ConnectionId id) {
    return requested.remove(id);
  }

  void forget(ConnectionId id) {
    requested.remove(id);
  }
}
