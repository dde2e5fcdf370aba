package dev.pipe.server;

import com.google.common.util.concurrent.RateLimiter;
import dev.pipe.config.Durations;
import dev.pipe.proto.CircuitRefusal;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.RejectReason;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.RateLimitedInputStream;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brokers relay circuits. A visitor's circuit connection, once its login and its proof of the
 * tunnel's secret passed ({@link ServerHandshake}), is checked against the reservation and the
 * limits, then waits in {@link PendingConnections} while the provider is asked for a data
 * connection ({@link ControlSession#requestCircuitConnection}), never a pooled one. When it comes,
 * the two are spliced through a rate limit and under a deadline. The bytes are the two ends' sealed
 * records: the broker never sees the user's plaintext.
 */
final class CircuitBroker {
  private static final Logger log = LoggerFactory.getLogger(CircuitBroker.class);

  private final Reservations reservations;
  private final CircuitSlots slots;
  private final Supplier<RelayLimits> limits;
  private final Function<String, ControlSession> sessions;
  private final ActiveSplices active;
  private final ScheduledExecutorService timer;
  private final ServerEvents events;
  private final RateLimitedLog noReservation = new RateLimitedLog(log);
  private final RateLimitedLog expired = new RateLimitedLog(log);
  private final RateLimitedLog limitReached = new RateLimitedLog(log);
  private final RateLimitedLog throttled = new RateLimitedLog(log);

  CircuitBroker(
      Reservations reservations,
      Supplier<RelayLimits> limits,
      Function<String, ControlSession> sessions,
      ActiveSplices active,
      ScheduledExecutorService timer,
      ServerEvents events) {
    this.reservations = reservations;
    this.slots = new CircuitSlots(limits);
    this.limits = limits;
    this.sessions = sessions;
    this.active = active;
    this.timer = timer;
    this.events = events;
  }

  /**
   * Admits a visitor's circuit connection or refuses it with the reason; an admitted one waits for
   * the provider's data connection, which {@link #splice} then joins to it.
   */
  void open(ServerHandshake.CircuitLogin login) {
    ControlChannel visitor = login.channel();
    Message.Connect connect = login.connect();
    String tunnel = connect.tunnel();
    ControlSession visitorSession = sessions.apply(connect.clientId());
    // sameAs, not equals: a reload makes new User objects for the users it keeps.
    if (visitorSession == null || !visitorSession.user().sameAs(login.user())) {
      log.warn(
          "circuit refused: tunnel={} visitor={} reason=\"no control session of this visitor\"",
          tunnel,
          visitor.peer());
      refuse(
          visitor,
          tunnel,
          CircuitRefusal.NOT_LOGGED_IN,
          "this visitor has no control session on the server under the same credentials; a"
              + " visitor opens circuits only while it is logged in");
      return;
    }
    Optional<Reservation> found = reservations.find(tunnel);
    if (found.isEmpty()) {
      noReservation.warn(
          "circuit refused: tunnel={} visitor={} reason=\"no such reservation\"",
          tunnel,
          visitor.peer());
      refuse(
          visitor,
          tunnel,
          CircuitRefusal.NO_RESERVATION,
          "the provider is not connected to this server: no relay tunnel named '"
              + tunnel
              + "' is reserved on it; start the provider (pipe client --type relay --name "
              + tunnel
              + " ...) against this server, and check the name");
      return;
    }
    Reservation reservation = found.get();
    if (reservation.expired()) {
      events.limitHit(ServerLimit.RESERVATION_TTL);
      expired.warn(
          "circuit refused: tunnel={} visitor={} reason=\"reservation expired (reservation_ttl ="
              + " {})\"",
          tunnel,
          visitor.peer(),
          Durations.format(reservation.ttl()));
      refuse(
          visitor,
          tunnel,
          CircuitRefusal.RESERVATION_EXPIRED,
          "the reservation of relay tunnel '"
              + tunnel
              + "' expired: its provider did not refresh it within reservation_ttl ("
              + Durations.format(reservation.ttl())
              + "); the provider must reconnect (restart it if this repeats)");
      return;
    }
    switch (slots.take(visitor.socket().getInetAddress(), reservation)) {
      case CircuitSlots.Refused refused -> {
        events.limitHit(refused.limit());
        limitReached.warn(
            "circuit refused: tunnel={} visitor={} reason=\"{}\"",
            tunnel,
            visitor.peer(),
            refused.message());
        refuse(visitor, tunnel, CircuitRefusal.LIMIT, refused.message());
      }
      case CircuitSlots.Slot slot -> {
        WaitingCircuit circuit =
            new WaitingCircuit(visitor, visitorSession, slot, reservation, this);
        if (!reservation.owner().requestCircuitConnection(reservation, circuit)) {
          slot.close();
          refuse(
              visitor,
              tunnel,
              CircuitRefusal.LIMIT,
              "limit max_pending_connections reached: too many connections wait for their"
                  + " client on this server; try again later");
        }
      }
    }
  }

  /**
   * Joins a waiting circuit to the provider's data connection that claimed it, and carries its
   * bytes until either end closes, a limit ends it, or an operator closes the tunnel.
   */
  void splice(ControlChannel provider, ConnectionId id, WaitingCircuit circuit) {
    try {
      carry(provider, circuit, id, circuit.reservation());
    } finally {
      circuit.slot().close();
    }
  }

  private void carry(
      ControlChannel provider, WaitingCircuit circuit, ConnectionId id, Reservation reservation) {
    String tunnel = reservation.tunnel();
    TunnelInfo info = reservation.info();
    Socket visitorSocket = circuit.visitor().socket();
    if (!reservation.spliced().track(visitorSocket)) {
      refuse(circuit.visitor(), tunnel, CircuitRefusal.NO_RESERVATION, "the tunnel was closed");
      PipeServer.refuse(provider, RejectReason.UNKNOWN_CONNECTION, "the tunnel was closed");
      return;
    }
    info.traffic().connectionOpened();
    events.connectionOpened(info);
    // One reading for the circuit's whole life: a reload changes the limits of later circuits.
    RelayLimits limits = this.limits.get();
    ScheduledFuture<?> deadline = null;
    try {
      circuit
          .visitor()
          .send(
              new Message.CircuitOpened(
                  id,
                  tunnel,
                  limits.maxCircuitDuration().toMillis(),
                  limits.maxCircuitBytesPerSecond()));
      provider.send(new Message.DataAccepted(id));
      circuit.visitor().setReadTimeout(Duration.ZERO);
      provider.setReadTimeout(Duration.ZERO);
      deadline = closeAtDeadline(id, circuit, reservation, provider.socket(), limits);
      log.info(
          "circuit id={} tunnel={} open: visitor {} to provider {}",
          id,
          tunnel,
          circuit.visitor().peer(),
          provider.peer());
      Runnable slowed = onceSlowed(id, circuit, reservation, limits);
      Splice.Result result =
          active.run(
              Splice.Side.of(visitorSocket, limited(visitorSocket, slowed, limits))
                  .counting(info.traffic().in()),
              Splice.Side.of(provider.socket(), limited(provider.socket(), slowed, limits))
                  .counting(info.traffic().out()),
              "circuit-" + tunnel);
      log.info(
          "circuit id={} tunnel={} closed: {} bytes to the provider, {} bytes to the visitor",
          id,
          tunnel,
          result.aToB(),
          result.bToA());
    } catch (IOException e) {
      log.debug("circuit id={} tunnel={} failed: {}", id, tunnel, e.toString());
      Sockets.closeQuietly(visitorSocket);
      provider.close();
    } finally {
      if (deadline != null) {
        deadline.cancel(false);
      }
      reservation.spliced().untrack(visitorSocket);
      info.traffic().connectionClosed();
      events.connectionClosed(info);
    }
  }

  private static InputStream limited(Socket socket, Runnable whenThrottled, RelayLimits limits)
      throws IOException {
    long rate = limits.maxCircuitBytesPerSecond();
    return rate == 0
        ? socket.getInputStream()
        : new RateLimitedInputStream(
            socket.getInputStream(), RateLimiter.create(rate), whenThrottled);
  }

  /** Tells both ends, once per circuit, that the relay slows it to its rate limit. */
  private Runnable onceSlowed(
      ConnectionId id, WaitingCircuit circuit, Reservation reservation, RelayLimits limits) {
    AtomicBoolean told = new AtomicBoolean();
    return () -> {
      if (!told.compareAndSet(false, true)) {
        return;
      }
      events.limitHit(ServerLimit.MAX_CIRCUIT_RATE);
      throttled.warn(
          "circuit id={} tunnel={} slowed to max_circuit_rate = {} bytes/s",
          id,
          reservation.tunnel(),
          limits.maxCircuitBytesPerSecond());
      Message notice =
          new Message.CircuitThrottled(id, reservation.tunnel(), limits.maxCircuitBytesPerSecond());
      Thread.ofVirtual()
          .name("circuit-notice-" + reservation.tunnel())
          .start(
              () -> {
                circuit.visitorSession().notify(notice);
                reservation.owner().notify(notice);
              });
    };
  }

  /** Ends the circuit on both ends when it has lasted {@code max_circuit_duration}. */
  private ScheduledFuture<?> closeAtDeadline(
      ConnectionId id,
      WaitingCircuit circuit,
      Reservation reservation,
      Socket provider,
      RelayLimits limits) {
    Duration limit = limits.maxCircuitDuration();
    if (limit.isZero()) {
      return null;
    }
    Runnable close =
        () -> {
          events.limitHit(ServerLimit.MAX_CIRCUIT_DURATION);
          log.info(
              "circuit id={} tunnel={} closed: it reached max_circuit_duration = {}",
              id,
              reservation.tunnel(),
              Durations.format(limit));
          Message closed =
              new Message.CircuitClosed(
                  id,
                  reservation.tunnel(),
                  "the circuit reached the relay's max_circuit_duration of "
                      + Durations.format(limit)
                      + "; open a new connection (the relay's operator can raise the limit)");
          circuit.visitorSession().notify(closed);
          reservation.owner().notify(closed);
          Sockets.closeQuietly(circuit.visitor().socket());
          Sockets.closeQuietly(provider);
        };
    // The timer only starts the work: telling the ends means writing to sockets.
    return timer.schedule(
        () -> Thread.ofVirtual().name("circuit-deadline-" + reservation.tunnel()).start(close),
        limit.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Tells a visitor why its circuit is refused, then closes the connection. */
  static void refuse(ControlChannel visitor, String tunnel, CircuitRefusal reason, String message) {
    try {
      visitor.send(new Message.CircuitRefused(tunnel, reason, message));
    } catch (IOException e) {
      log.debug("could not tell visitor {} why: {}", visitor.peer(), e.toString());
    }
    visitor.close();
  }
}
