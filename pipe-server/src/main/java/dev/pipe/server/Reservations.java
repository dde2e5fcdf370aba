package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Traffic;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay tunnels reserved on this server, by name. Names are unique per server: a visitor names
 * the tunnel it wants, so two providers of one name would make the name mean nothing.
 */
final class Reservations {
  private static final Logger log = LoggerFactory.getLogger(Reservations.class);

  private final Supplier<RelayLimits> limits;
  private final PendingConnections pending;
  private final ServerEvents events;
  private final Map<String, Reservation> byName = new ConcurrentHashMap<>();
  private final RateLimitedLog full = new RateLimitedLog(log);

  /**
   * @param limits the relay's limits in force now (a reload may change them)
   */
  Reservations(Supplier<RelayLimits> limits, PendingConnections pending, ServerEvents events) {
    this.limits = limits;
    this.pending = pending;
    this.events = events;
  }

  /** Reserves a name for {@code owner}, which holds no tunnel of that name yet. */
  synchronized Reservation reserve(ControlSession owner, Message.Reserve reserve)
      throws TunnelRejected {
    String name = reserve.tunnel();
    RelayLimits limits = this.limits.get();
    Reservation holder = byName.get(name);
    if (holder != null) {
      throw new TunnelRejected(
          "the relay tunnel name '"
              + name
              + "' is already reserved on this server by another provider (client "
              + holder.owner().info().address()
              + ", since "
              + holder.info().since()
              + "); pick another --name, or stop that provider. A provider that restarted is"
              + " released within three heartbeats, once the server notices its old connection is"
              + " gone");
    }
    long active = byName.values().stream().filter(reservation -> !reservation.expired()).count();
    if (!RelayLimits.allows(limits.maxReservations(), Math.toIntExact(active))) {
      events.limitHit(ServerLimit.MAX_RESERVATIONS);
      full.warn(
          "relay tunnel {} of client {} refused: limit max_reservations = {} reached",
          name,
          owner,
          limits.maxReservations());
      throw new TunnelRejected(
          "limit max_reservations = "
              + limits.maxReservations()
              + " reached: the server holds its most relay reservations; try again later, or ask"
              + " its operator to raise max_reservations");
    }
    TunnelInfo info =
        new TunnelInfo(
            ConnectionId.random().hex(),
            name,
            TunnelType.RELAY,
            0,
            List.of(),
            owner.info(),
            Instant.now(),
            new Traffic());
    Reservation reservation =
        new Reservation(owner, info, reserve.accessKey(), limits.reservationTtl());
    byName.put(name, reservation);
    events.tunnelOpened(info);
    return reservation;
  }

  Optional<Reservation> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The access key that visitors of {@code name} must prove they hold, while it is reserved. */
  Optional<String> accessKey(String name) {
    return find(name).map(Reservation::accessKey);
  }

  /**
   * Ends a reservation: visitors waiting for its provider are refused; circuits already spliced run
   * on, as a tunnel's spliced connections do. The first release reports why it ended.
   */
  void release(Reservation reservation, String reason) {
    byName.remove(reservation.tunnel(), reservation);
    if (reservation.close()) {
      pending.dropAll(reservation);
      events.tunnelClosed(reservation.info(), reason);
    }
  }
}
