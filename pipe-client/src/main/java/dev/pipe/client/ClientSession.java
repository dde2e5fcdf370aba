package dev.pipe.client;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control connection of a client, from a successful login until it ends: registers every tunnel
 * (a relay tunnel as a reservation, refreshed before it expires), answers each Exchange on its own
 * virtual thread, passes the server's word about circuits on, and sends heartbeats.
 */
final class ClientSession {
  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

  private final ControlChannel channel;
  private final Duration heartbeatInterval;
  private final Map<String, Tunnel> tunnels;
  private final List<Visitor> visitors;
  private final ClientListener listener;
  private final Map<String, String> rejections = new LinkedHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread refresher;
  private int accepted;
  private int forwarded;
  private String endReason = "";

  ClientSession(
      ServerDialer.LoggedIn login,
      Map<String, Tunnel> tunnels,
      List<Visitor> visitors,
      ClientListener listener) {
    this.channel = login.channel();
    this.heartbeatInterval = login.heartbeatInterval();
    this.tunnels = tunnels;
    this.visitors = visitors;
    this.listener = listener;
  }

  /** Why the session ended, for the reconnect log line. */
  String endReason() {
    return endReason;
  }

  /** True once the server accepted at least one tunnel in this session, or none was asked. */
  boolean registered() {
    return accepted > 0 || forwarded == 0;
  }

  /**
   * Registers the tunnels and serves until the connection ends; {@link #endReason()} then says why.
   *
   * @throws ClientFailure when the server rejected every tunnel: retrying cannot help
   */
  void run() throws ClientFailure {
    Thread heartbeat = Thread.ofVirtual().name("heartbeat").start(this::sendHeartbeats);
    try {
      channel.setReadTimeout(Limits.deadAfter(heartbeatInterval));
      for (Tunnel tunnel : tunnels.values()) {
        // A tunnel an operator closed stays closed until this client restarts.
        if (tunnel.state() != TunnelState.CLOSED) {
          channel.send(register(tunnel));
          forwarded++;
        }
      }
      for (Visitor visitor : visitors) {
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
      channel.close();
    }
  }

  /** What asks the server for a tunnel: a public port, or a relay reservation (or its refresh). */
  private static Message register(Tunnel tunnel) {
    TunnelSpec spec = tunnel.spec();
    return tunnel
        .relayKeys()
        .<Message>map(keys -> new Message.Reserve(spec.name(), keys.accessKeyHex()))
        .orElseGet(
            () ->
                new Message.Forward(
                    spec.name(),
                    spec.type(),
                    spec.remotePort(),
                    spec.sources().allowTexts(),
                    spec.sources().denyTexts()));
  }

  /** Handles one frame; false when the server said goodbye. */
  private boolean dispatch(Message message) throws IOException, ClientFailure {
    switch (message) {
      case Message.ForwardAccepted ok -> {
        accepted++;
        Tunnel tunnel = tunnel(ok.tunnel());
        tunnel.ready(ok.remotePort());
        listener.tunnelReady(tunnel.spec(), ok.remotePort());
      }
      case Message.ReservationAccepted reserved -> {
        Tunnel tunnel = tunnel(reserved.tunnel());
        if (tunnel.state() != TunnelState.READY) {
          accepted++;
          tunnel.ready(0);
          listener.tunnelReady(tunnel.spec(), 0);
          refreshEvery(Duration.ofMillis(reserved.ttlMillis()).dividedBy(2));
        }
      }
      case Message.ForwardRejected rejected -> {
        rejections.put(rejected.tunnel(), rejected.reason());
        Tunnel tunnel = tunnel(rejected.tunnel());
        tunnel.rejected(rejected.reason());
        listener.tunnelRejected(tunnel.spec(), rejected.reason());
        if (rejections.size() == forwarded && visitors.isEmpty()) {
          throw new ClientFailure(allRejected());
        }
      }
      case Message.TunnelClosed closedByServer -> {
        Tunnel tunnel = tunnel(closedByServer.tunnel());
        tunnel.closedByServer(closedByServer.reason());
        listener.tunnelClosed(tunnel.spec(), closedByServer.reason());
        if (tunnels.values().stream().noneMatch(ClientSession::mayOpen) && visitors.isEmpty()) {
          throw new ClientFailure(
              "the server closed or rejected every tunnel of this client; the last: tunnel "
                  + closedByServer.tunnel()
                  + " closed: "
                  + closedByServer.reason());
        }
      }
      case Message.Exchange exchange -> {
        Tunnel tunnel = tunnel(exchange.tunnel());
        Thread.ofVirtual()
            .name("exchange-" + exchange.tunnel())
            .start(() -> tunnel.serve(exchange.id(), this));
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
      case Message.ExchangeFailed unexpected -> throw unexpected(unexpected);
      case Message.DataLogin unexpected -> throw unexpected(unexpected);
      case Message.DataAccepted unexpected -> throw unexpected(unexpected);
      case Message.Reserve unexpected -> throw unexpected(unexpected);
      case Message.Connect unexpected -> throw unexpected(unexpected);
      case Message.CircuitOpened unexpected -> throw unexpected(unexpected);
      case Message.CircuitRefused unexpected -> throw unexpected(unexpected);
    }
    return true;
  }

  /** True if this client provides or visits the relay tunnel {@code name}. */
  private boolean carries(String name) {
    return (tunnels.containsKey(name) && tunnels.get(name).relayKeys().isPresent())
        || visitors.stream().anyMatch(visitor -> visitor.spec().name().equals(name));
  }

  /** True for a tunnel that is open or may still open in this session. */
  private static boolean mayOpen(Tunnel tunnel) {
    return switch (tunnel.state()) {
      case CONNECTING, READY, OFFLINE -> true;
      case REJECTED, CLOSED -> false;
    };
  }

  private Tunnel tunnel(String name) throws ProtocolException {
    Tunnel tunnel = tunnels.get(name);
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
   * refresh still leaves time); one thread for all of them, started with the first.
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
                      for (Tunnel tunnel : tunnels.values()) {
                        if (tunnel.relayKeys().isPresent() && tunnel.state() == TunnelState.READY) {
                          channel.send(register(tunnel));
                        }
                      }
                    }
                  } catch (InterruptedException e) {
                    // The session ended.
                  } catch (IOException e) {
                    log.debug("refreshing reservations failed: {}", e.toString());
                    channel.close();
                  }
                });
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
