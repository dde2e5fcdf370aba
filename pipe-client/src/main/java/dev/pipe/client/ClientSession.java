package dev.pipe.client;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import dev.pipe.relay.RelayKeys;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control connection of a client, from a successful login until it ends: registers every tunnel
 * (a relay tunnel as a reservation, refreshed before it expires), answers each Exchange on its own
 * virtual thread, passes the server's word about circuits on, and sends heartbeats. A reload
 * changes the tunnels while it runs: {@link #open} and {@link #stop} then register or stop one
 * tunnel, under the client's registration lock so that no tunnel is registered twice.
 */
final class ClientSession {
  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

  private final ControlChannel channel;
  private final Duration heartbeatInterval;
  private final Supplier<Map<String, Tunnel>> tunnels;
  private final Supplier<Map<String, Visitor>> visitors;
  private final Lock registration;
  private final ClientListener listener;
  private final Map<String, String> rejections = new LinkedHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean registered;
  private volatile int accepted;
  private volatile int asked;
  private volatile Thread refresher;
  private String endReason = "";
  private final DataConnectionPool pool;

  /**
   * @param tunnels the client's tunnels now (a reload replaces the map)
   * @param visitors the client's visitors now, by local address (a reload replaces the map)
   * @param registration held while tunnels are registered, or the map replaced
   * @param pool the data connections this session keeps open ahead of time
   */
  ClientSession(
      ServerDialer.LoggedIn login,
      Supplier<Map<String, Tunnel>> tunnels,
      Supplier<Map<String, Visitor>> visitors,
      Lock registration,
      ClientListener listener,
      DataConnectionPool pool) {
    this.channel = login.channel();
    this.heartbeatInterval = login.heartbeatInterval();
    this.tunnels = tunnels;
    this.visitors = visitors;
    this.registration = registration;
    this.listener = listener;
    this.pool = pool;
  }

  /** Why the session ended, for the reconnect log line. */
  String endReason() {
    return endReason;
  }

  /**
   * True once the server accepted at least one tunnel in this session, or if it asked for none (a
   * client with visitors only).
   */
  boolean accepted() {
    return accepted > 0 || asked == 0;
  }

  /**
   * True once this session sent its first registrations: from then on a reload registers its new
   * tunnels itself. Read under the registration lock.
   */
  boolean registered() {
    return registered;
  }

  /**
   * Registers the tunnels and serves until the connection ends; {@link #endReason()} then says why.
   *
   * @throws ClientFailure when the server rejected every tunnel: retrying cannot help
   */
  void run() throws ClientFailure {
    Thread heartbeat = Thread.ofVirtual().name("heartbeat").start(this::sendHeartbeats);
    pool.start();
    try {
      channel.setReadTimeout(Limits.deadAfter(heartbeatInterval));
      registration.lock();
      try {
        for (Tunnel tunnel : tunnels.get().values()) {
          // A tunnel an operator closed stays closed until this client restarts.
          if (tunnel.state() != TunnelState.CLOSED) {
            open(tunnel);
          }
        }
        registered = true;
      } finally {
        registration.unlock();
      }
      for (Visitor visitor : visitors.get().values()) {
        listener.visitorReady(visitor.spec(), visitor.port());
      }
      while (dispatch(channel.receive())) {
        // dispatch did the work; an idle loop body keeps the exit condition in one place
      }
    } catch (EOFException e) {
      endReason = "the server closed the connection";
    } catch (SocketTimeoutException e) {
      endReason =
          "the server sent nothing for "
              + Limits.deadAfter(heartbeatInterval).toMillis()
              + " ms ("
              + Limits.MISSED_HEARTBEATS
              + " missed heartbeats)";
    } catch (ProtocolException e) {
      endReason = "the server broke the protocol: " + e.getMessage();
    } catch (IOException e) {
      endReason = "connection lost: " + e.getMessage();
    } finally {
      heartbeat.interrupt();
      Thread refreshing = refresher;
      if (refreshing != null) {
        refreshing.interrupt();
      }
      pool.close();
      channel.close();
    }
  }

  /**
   * Asks the server for {@code tunnel}: a tcp or udp tunnel alone on its port or as a member of its
   * group, an http or https tunnel by its names, or a relay tunnel as a reservation.
   */
  void open(Tunnel tunnel) throws IOException {
    asked++;
    channel.send(register(tunnel));
  }

  private static Message register(Tunnel tunnel) {
    TunnelSpec spec = tunnel.spec();
    Optional<RelayKeys> relay = tunnel.relayKeys();
    if (relay.isPresent()) {
      return new Message.Reserve(spec.name(), relay.get().accessKeyHex());
    }
    if (spec.type().routedByName()) {
      return new Message.HttpForward(
          spec.name(),
          spec.type(),
          spec.web().subdomain(),
          spec.web().domains(),
          spec.web().auth().orElse(null),
          spec.web().hostHeader(),
          spec.proxyProtocol().isPresent(),
          spec.sources().allowTexts(),
          spec.sources().denyTexts());
    }
    Message.Forward forward =
        new Message.Forward(
            spec.name(),
            spec.type(),
            spec.remotePort(),
            spec.sources().allowTexts(),
            spec.sources().denyTexts(),
            spec.udp().orElse(null));
    Optional<GroupSpec> group = spec.balancing().group();
    return group.isEmpty()
        ? forward
        : new Message.JoinGroup(
            forward,
            group.get().name(),
            group.get().key().reveal(),
            spec.balancing().strategy(),
            group.get().weight());
  }

  /** Tells the server a tunnel stopped (a reload removed or changed it). */
  void stop(String tunnel, String reason) {
    sendQuietly(new Message.StopTunnel(tunnel, reason));
  }

  /** Handles one frame; false when the server said goodbye. */
  private boolean dispatch(Message message) throws IOException, ClientFailure {
    switch (message) {
      case Message.ForwardAccepted ok -> {
        Tunnel tunnel = tunnels.get().get(ok.tunnel());
        if (tunnel == null) {
          log.debug("tunnel {} opened after a reload removed it", ok.tunnel());
          return true;
        }
        accepted++;
        tunnel.ready(ok.remotePort());
        listener.tunnelReady(tunnel.spec(), ok.remotePort());
        reportIfUnhealthy(tunnel);
      }
      case Message.HttpForwardAccepted ok -> {
        Tunnel tunnel = tunnels.get().get(ok.tunnel());
        if (tunnel == null) {
          log.debug("tunnel {} opened after a reload removed it", ok.tunnel());
          return true;
        }
        accepted++;
        tunnel.readyAt(ok.urls(), ok.notice());
        listener.tunnelReady(tunnel.spec(), ok.urls(), ok.notice());
        reportIfUnhealthy(tunnel);
      }
      case Message.ReservationAccepted reserved -> {
        Tunnel tunnel = tunnels.get().get(reserved.tunnel());
        if (tunnel == null) {
          log.debug("relay tunnel {} reserved after a reload removed it", reserved.tunnel());
          return true;
        }
        if (tunnel.state() != TunnelState.READY) {
          accepted++;
          tunnel.ready(0);
          listener.tunnelReady(tunnel.spec(), 0);
          refreshEvery(Duration.ofMillis(reserved.ttlMillis()).dividedBy(2));
        }
      }
      case Message.ForwardRejected rejected -> {
        Tunnel tunnel = tunnels.get().get(rejected.tunnel());
        if (tunnel == null) {
          log.debug("tunnel {} rejected after a reload removed it", rejected.tunnel());
          return true;
        }
        rejections.put(rejected.tunnel(), rejected.reason());
        tunnel.rejected(rejected.reason());
        listener.tunnelRejected(tunnel.spec(), rejected.reason());
        if (tunnels.get().values().stream().noneMatch(ClientSession::mayOpen)
            && visitors.get().isEmpty()) {
          throw new ClientFailure(allRejected());
        }
      }
      case Message.TunnelClosed closedByServer -> {
        Tunnel tunnel = tunnel(closedByServer.tunnel());
        tunnel.closedByServer(closedByServer.reason());
        listener.tunnelClosed(tunnel.spec(), closedByServer.reason());
        if (tunnels.get().values().stream().noneMatch(ClientSession::mayOpen)
            && visitors.get().isEmpty()) {
          throw new ClientFailure(
              "the server closed or rejected every tunnel of this client; the last: tunnel "
                  + closedByServer.tunnel()
                  + " closed: "
                  + closedByServer.reason());
        }
      }
      case Message.Exchange exchange -> {
        Tunnel tunnel = tunnels.get().get(exchange.tunnel());
        if (tunnel == null) {
          // A reload removed the tunnel while the server was announcing this user.
          channel.send(
              new Message.ExchangeFailed(
                  exchange.id(), "tunnel " + exchange.tunnel() + " was removed from the client"));
          return true;
        }
        UserAddresses user = UserAddresses.of(exchange);
        Thread.ofVirtual()
            .name("exchange-" + exchange.tunnel())
            .start(() -> tunnel.serve(exchange.id(), user, this));
      }
      case Message.CircuitClosed closedByServer -> {
        // The server cuts the circuit's connection itself; the reason is what only it can tell.
        if (carries(closedByServer.tunnel())) {
          listener.circuitClosed(closedByServer.tunnel(), closedByServer.reason());
        }
      }
      case Message.CircuitThrottled throttled -> {
        if (carries(throttled.tunnel())) {
          listener.circuitThrottled(throttled.tunnel(), throttled.bytesPerSecond());
        }
      }
      case Message.Heartbeat heartbeat -> {
        // Receiving it was the point: the read timeout starts again.
      }
      case Message.Goodbye goodbye -> {
        endReason = "the server said goodbye: " + goodbye.reason();
        return false;
      }
      case Message.Hello unexpected -> throw unexpected(unexpected);
      case Message.Login unexpected -> throw unexpected(unexpected);
      case Message.LoginAccepted unexpected -> throw unexpected(unexpected);
      case Message.Rejected unexpected -> throw unexpected(unexpected);
      case Message.Forward unexpected -> throw unexpected(unexpected);
      case Message.JoinGroup unexpected -> throw unexpected(unexpected);
      case Message.TunnelHealth unexpected -> throw unexpected(unexpected);
      case Message.StopTunnel unexpected -> throw unexpected(unexpected);
      case Message.ExchangeFailed unexpected -> throw unexpected(unexpected);
      case Message.DataLogin unexpected -> throw unexpected(unexpected);
      case Message.DataAccepted unexpected -> throw unexpected(unexpected);
      case Message.PoolLogin unexpected -> throw unexpected(unexpected);
      case Message.PoolAccepted unexpected -> throw unexpected(unexpected);
      case Message.Assign unexpected -> throw unexpected(unexpected);
      case Message.Datagram unexpected -> throw unexpected(unexpected);
      case Message.SessionClosed unexpected -> throw unexpected(unexpected);
      case Message.Reserve unexpected -> throw unexpected(unexpected);
      case Message.Connect unexpected -> throw unexpected(unexpected);
      case Message.CircuitOpened unexpected -> throw unexpected(unexpected);
      case Message.CircuitRefused unexpected -> throw unexpected(unexpected);
      case Message.HttpForward unexpected -> throw unexpected(unexpected);
    }
    return true;
  }

  /** The server counts a new tunnel healthy: tell it what the checks found before it opened. */
  private void reportIfUnhealthy(Tunnel tunnel) throws IOException {
    if (!tunnel.healthy()) {
      channel.send(new Message.TunnelHealth(tunnel.spec().name(), false, tunnel.healthDetail()));
    }
  }

  /** True if this client provides or visits the relay tunnel {@code name}. */
  private boolean carries(String name) {
    Tunnel tunnel = tunnels.get().get(name);
    return (tunnel != null && tunnel.relayKeys().isPresent())
        || visitors.get().values().stream().anyMatch(visitor -> visitor.spec().name().equals(name));
  }

  /** True for a tunnel that is open or may still open in this session. */
  private static boolean mayOpen(Tunnel tunnel) {
    return switch (tunnel.state()) {
      case CONNECTING, READY, OFFLINE -> true;
      case REJECTED, CLOSED -> false;
    };
  }

  private Tunnel tunnel(String name) throws ProtocolException {
    Tunnel tunnel = tunnels.get().get(name);
    if (tunnel == null) {
      throw new ProtocolException("the server named a tunnel this client does not have: " + name);
    }
    return tunnel;
  }

  private String allRejected() {
    List<String> lines = new ArrayList<>();
    rejections.forEach((name, reason) -> lines.add("tunnel " + name + ": " + reason));
    return "the server rejected every tunnel:\n  " + String.join("\n  ", lines);
  }

  private static ProtocolException unexpected(Message message) {
    return new ProtocolException(
        message.getClass().getSimpleName() + " is not valid from a server on a control connection");
  }

  /**
   * Refreshes every open reservation each {@code period} (half the server's TTL, so one lost
   * refresh still leaves time); one thread for all of them, started with the first. It holds the
   * registration lock while it sends, so that a reload that stops a relay tunnel is never followed
   * by a refresh that would reserve it again.
   */
  private void refreshEvery(Duration period) {
    if (refresher != null || period.isZero()) {
      return;
    }
    refresher =
        Thread.ofVirtual()
            .name("reservations")
            .start(
                () -> {
                  try {
                    while (!channel.isClosed()) {
                      Thread.sleep(period);
                      refreshReservations();
                    }
                  } catch (InterruptedException e) {
                    // The session ended.
                  } catch (IOException e) {
                    log.debug("refreshing reservations failed: {}", e.toString());
                    channel.close();
                  }
                });
  }

  private void refreshReservations() throws IOException {
    registration.lock();
    try {
      for (Tunnel tunnel : tunnels.get().values()) {
        if (tunnel.relayKeys().isPresent() && tunnel.state() == TunnelState.READY) {
          channel.send(register(tunnel));
        }
      }
    } finally {
      registration.unlock();
    }
  }

  private void sendHeartbeats() {
    try {
      while (!channel.isClosed()) {
        Thread.sleep(heartbeatInterval);
        channel.send(new Message.Heartbeat());
      }
    } catch (InterruptedException e) {
      // The session ended.
    } catch (IOException e) {
      log.debug("heartbeat failed: {}", e.toString());
      channel.close();
    }
  }

  /** Sends a frame, or logs why it could not: used where the caller can do nothing about it. */
  void sendQuietly(Message message) {
    try {
      channel.send(message);
    } catch (IOException e) {
      log.debug("could not send {}: {}", message.getClass().getSimpleName(), e.toString());
    }
  }

  /** Says goodbye to the server and ends the session; {@link #run} then returns. */
  void close(String reason) {
    if (closed.compareAndSet(false, true)) {
      sendQuietly(new Message.Goodbye(reason));
      channel.close();
    }
  }
}
