package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids the server gave out in {@code Exchange} frames for UDP tunnels' data connections, and the
 * tunnel each belongs to. Each UDP tunnel has at most one request outstanding, so this holds at
 * most one entry per UDP tunnel.
 */
final class DatagramChannelRequests {
  private static final Logger log = LoggerFactory.getLogger(DatagramChannelRequests.class);

  private final Map<ConnectionId, PublicDatagramPort> requested = new ConcurrentHashMap<>();

  void register(ConnectionId id, PublicDatagramPort port) {
    requested.put(id, port);
  }

  /**
   * The tunnel that asked for {@code id}, on behalf of a data connection of {@code claimant}; the
   * id is then used up. Null if nobody asked for it, or if the tunnel belongs to another user
   * (sameAs, not equals: a reload makes new User objects for the users it keeps).
   */
  PublicDatagramPort claim(ConnectionId id, User claimant) {
    PublicDatagramPort port = requested.get(id);
    if (port == null) {
      return null;
    }
    if (!port.owner().user().sameAs(claimant)) {
      log.warn(
          "a data connection of user {} presented the udp connection id={} of user {}; refused",
          claimant,
          id,
          port.owner().user());
      return null;
    }
    return requested.remove(id, port) ? port : null;
  }

  void forget(ConnectionId id) {
    requested.remove(id);
  }
}
