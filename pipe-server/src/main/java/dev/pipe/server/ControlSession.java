package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proxy.Sockets;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One logged-in client: reads its control frames, opens and closes its tunnels (public ports and
 * relay reservations), and sends it a heartbeat. When the client goes away, for whatever reason,
 * its ports and reservations are released at once.
 */
final class ControlSession {
  private static final Logger log = LoggerFactory.getLogger(ControlSession.class);

  private static final String SESSION_ENDED = "the client's session ended";
  private static final int NEW = 0;
  private static final int RUNNING = 1;
  private static final int CLOSED = 2;

  private final PipeServer server;
  private final ControlChannel channel;
  private final Message.Login login;
  private final User user;
  private final Duration heartbeatInterval;
  private final int maxTunnels;
  private final String client;
  private final ClientInfo info;
  private final ServerEvents events;
  private final Map<String, OpenTunnel> tunnels = new ConcurrentHashMap<>();
  private final AtomicInteger state = new AtomicInteger(NEW);
  private volatile Thread heartbeat;

  ControlSession(
      PipeServer server,
      ControlChannel channel,
      Message.Login login,
      User user,
      ServerLimits limits,
      ServerEvents events) {
    this.server = server;
    this.channel = channel;
    this.login = login;
    this.user = user;
    this.heartbeatInterval = limits.heartbeatInterval();
    this.maxTunnels = limits.maxTunnelsPerClient();
    this.client = channel.peer();
    this.info =
        new ClientInfo(login.clientId(), client, user.name(), login.clientVersion(), Instant.now());
    this.events = events;
  }

  String clientId() {
    return login.clientId();
  }

  /** The address the client connects from. */
  InetAddress source() {
    return channel.socket().getInetAddress();
  }

  /** Who logged in: what this session may claim follows from it. */
  User user() {
    return user;
  }

  ClientInfo info() {
    return info;
  }

  /** The tunnels open now. */
  List<TunnelInfo> tunnels() {
    return tunnels.values().stream().map(OpenTunnel::info).toList();
  }

  private boolean isClosed() {
    return state.get() == CLOSED;
  }

  /** Serves the session on the calling thread until the client leaves or fails. */
  void run() {
    // A session closed before it ran (a shutdown racing a login) reports neither start nor end.
    if (!state.compareAndSet(NEW, RUNNING)) {
      return;
    }
    events.clientConnected(info);
    try {
      channel.send(new Message.LoginAccepted(heartbeatInterval.toMillis()));
      channel.setReadTimeout(Limits.deadAfter(heartbeatInterval));
      heartbeat = Thread.ofVirtual().name("heartbeat-" + client).start(this::sendHeartbeats);
      log.info("client {} connected as {} (pipe {})", client, user, login.clientVersion());
      while (!isClosed()) {
        if (!dispatch(channel.receive())) {
          return;
        }
      }
    } catch (EOFException e) {
      log.info("client {} disconnected", client);
    } catch (SocketTimeoutException e) {
      log.warn(
          "client {} sent nothing for {} ms ({} missed heartbeats); closing its session",
          client,
          Limits.deadAfter(heartbeatInterval).toMillis(),
          Limits.MISSED_HEARTBEATS);
    } catch (ProtocolException e) {
      log.warn("client {} broke the protocol: {}; closing its session", client, e.getMessage());
    } catch (IOException e) {
      if (!isClosed()) {
        log.info("client {} connection lost: {}", client, e.getMessage());
      }
    } finally {
      close();
    }
  }

  /** Handles one frame; false when the client said goodbye. */
  private boolean dispatch(Message message) throws IOException {
    switch (message) {
      case Message.Forward forward -> forward(forward);
      case Message.Reserve reserve -> reserve(reserve);
      case Message.ExchangeFailed failed ->
          server.pending().fail(failed.id(), failed.reason(), this);
      case Message.Heartbeat heartbeat -> {
        // Receiving it was the point: the read timeout starts again.
      }
      case Message.Goodbye goodbye -> {
        log.info("client {} left: {}", client, goodbye.reason());
        return false;
      }
      case Message.Hello unexpected -> throw unexpected(unexpected);
      case Message.Login unexpected -> throw unexpected(unexpected);
      case Message.LoginAccepted unexpected -> throw unexpected(unexpected);
      case Message.Rejected unexpected -> throw unexpected(unexpected);
      case Message.ForwardAccepted unexpected -> throw unexpected(unexpected);
      case Message.ForwardRejected unexpected -> throw unexpected(unexpected);
      case Message.Exchange unexpected -> throw unexpected(unexpected);
      case Message.DataLogin unexpected -> throw unexpected(unexpected);
      case Message.DataAccepted unexpected -> throw unexpected(unexpected);
      case Message.TunnelClosed unexpected -> throw unexpected(unexpected);
      case Message.ReservationAccepted unexpected -> throw unexpected(unexpected);
      case Message.Connect unexpected -> throw unexpected(unexpected);
      case Message.CircuitOpened unexpected -> throw unexpected(unexpected);
      case Message.CircuitRefused unexpected -> throw unexpected(unexpected);
      case Message.CircuitClosed unexpected -> throw unexpected(unexpected);
      case Message.CircuitThrottled unexpected -> throw unexpected(unexpected);
    }
    return true;
  }

  private static ProtocolException unexpected(Message message) {
    return new ProtocolException(
        message.getClass().getSimpleName() + " is not valid from a client on a control connection");
  }

  /** Why this client may not open one more tunnel named {@code name}, if it may not. */
  private Optional<String> refusal(String name) {
    if (tunnels.containsKey(name)) {
      return Optional.of(
          "this client already has a tunnel named '" + name + "'; names must differ");
    }
    if (!user.mayUseName(name)) {
      return Optional.of(
          "user "
              + user
              + " may not use the tunnel name '"
              + name
              + "' (allowed: "
              + String.join(", ", user.allowedNames().stream().map(NamePattern::toString).toList())
              + ")");
    }
    if (tunnels.size() >= maxTunnels) {
      events.limitHit(ServerLimit.MAX_TUNNELS_PER_CLIENT);
      return Optional.of(
          "this client already holds "
              + tunnels.size()
              + " tunnels, the most one client may hold (max_tunnels_per_client); split them over"
              + " several clients");
    }
    return Optional.empty();
  }

  private void forward(Message.Forward forward) throws IOException {
    String name = forward.tunnel();
    Optional<String> refusal = refusal(name);
    if (refusal.isPresent()) {
      reject(name, refusal.get());
      return;
    }
    PublicListener listener;
    try {
      listener = server.ports().open(this, forward);
    } catch (TunnelRejected e) {
      reject(name, e.getMessage());
      return;
    }
    tunnels.put(name, listener);
    if (isClosed()) {
      // The session ended while the port was being bound: give the port back.
      release(listener, SESSION_ENDED);
      return;
    }
    log.info(
        "tunnel {} of client {} open on port {} ({})",
        name,
        client,
        listener.port(),
        forward.type().wireName());
    channel.send(new Message.ForwardAccepted(name, listener.port()));
  }

  /** Reserves a relay tunnel, or refreshes this client's reservation of it. */
  private void reserve(Message.Reserve reserve) throws IOException {
    String name = reserve.tunnel();
    Reservations reservations = server.reservations();
    if (tunnels.get(name) instanceof Reservation own) {
      if (own.refresh(reserve.accessKey())) {
        log.debug("relay tunnel {} of client {} refreshed", name, client);
        channel.send(new Message.ReservationAccepted(name, own.ttl().toMillis()));
      } else {
        reject(
            name,
            "relay tunnel '"
                + name
                + "' is reserved by this client with another secret; restart the client to"
                + " change the secret");
      }
      return;
    }
    Optional<String> refusal = refusal(name);
    if (refusal.isPresent()) {
      reject(name, refusal.get());
      return;
    }
    Reservation reservation;
    try {
      reservation = reservations.reserve(this, reserve);
    } catch (TunnelRejected e) {
      reject(name, e.getMessage());
      return;
    }
    tunnels.put(name, reservation);
    if (isClosed()) {
      release(reservation, SESSION_ENDED);
      return;
    }
    log.info(
        "relay tunnel {} of client {} reserved (reservation_ttl {})",
        name,
        client,
        reservations.describeTtl());
    channel.send(new Message.ReservationAccepted(name, reservation.ttl().toMillis()));
  }

  private void reject(String tunnel, String reason) throws IOException {
    log.warn("tunnel {} of client {} rejected: {}", tunnel, client, reason);
    channel.send(new Message.ForwardRejected(tunnel, reason));
  }

  /** Closes a tunnel's port or reservation; the first release of a tunnel reports it. */
  private void release(OpenTunnel tunnel, String reason) {
    switch (tunnel) {
      case PublicListener listener -> server.ports().release(listener, reason);
      case Reservation reservation -> server.reservations().release(reservation, reason);
    }
  }

  /**
   * Closes one tunnel on an operator's request: its port stops accepting, its connections are cut,
   * and the client is told why, so that it does not ask for the tunnel again.
   *
   * @return the tunnel, if this session held it
   */
  Optional<TunnelInfo> closeTunnel(String id, String reason) {
    for (OpenTunnel listener : tunnels.values()) {
      if (listener.info().id().equals(id) && tunnels.remove(listener.tunnel(), listener)) {
        release(listener, reason);
        listener.cutConnections();
        log.info(
            "tunnel {} of client {} ({}) closed: {}",
            listener.tunnel(),
            client,
            listener.describe(),
            reason);
        try {
          channel.send(new Message.TunnelClosed(listener.tunnel(), reason));
        } catch (IOException e) {
          log.debug("could not tell client {} its tunnel closed: {}", client, e.toString());
        }
        return Optional.of(listener.info());
      }
    }
    return Optional.empty();
  }

  /**
   * Asks the client for a data connection to carry {@code user}, a connection accepted for {@code
   * listener} (a public port's user, a relay visitor's circuit): it waits in {@link
   * PendingConnections} until the data connection arrives. Every kind of tunnel hands its users to
   * its client through here.
   *
   * @return false if the server already holds its most waiting connections; the caller then closes
   *     the user connection
   */
  boolean requestDataConnection(OpenTunnel listener, Socket user) {
    ConnectionId id = ConnectionId.random();
    if (!server.pending().add(id, user, listener)) {
      return false;
    }
    try {
      Sockets.tune(user);
      channel.send(new Message.Exchange(id, listener.tunnel()));
    } catch (IOException e) {
      log.debug(
          "tunnel={} could not announce connection id={}: {}", listener.tunnel(), id, e.toString());
      server.pending().fail(id, "the client's control connection failed: " + e.getMessage(), this);
    }
    return true;
  }

  private void sendHeartbeats() {
    try {
      while (!isClosed()) {
        Thread.sleep(heartbeatInterval);
        channel.send(new Message.Heartbeat());
      }
    } catch (InterruptedException e) {
      // close() interrupts us: the session is over.
    } catch (IOException e) {
      log.debug("heartbeat to client {} failed: {}", client, e.toString());
      close();
    }
  }

  @Override
  public String toString() {
    return client;
  }

  /** Sends a notice about something the client has (a circuit); a failure only ends up logged. */
  void notify(Message message) {
    try {
      channel.send(message);
    } catch (IOException e) {
      log.debug(
          "could not tell client {} {}: {}",
          client,
          message.getClass().getSimpleName(),
          e.toString());
    }
  }

  /** Tells the client the server is going away; the session then ends. */
  void goodbye(String reason) {
    try {
      channel.send(new Message.Goodbye(reason));
    } catch (IOException e) {
      log.debug("could not say goodbye to client {}: {}", client, e.toString());
    }
    close();
  }

  /** Ends the session and releases every port it held; safe to call more than once. */
  void close() {
    int before = state.getAndSet(CLOSED);
    if (before == CLOSED) {
      return;
    }
    channel.close();
    Thread beat = heartbeat;
    if (beat != null) {
      beat.interrupt();
    }
    tunnels.values().forEach(tunnel -> release(tunnel, SESSION_ENDED));
    List<Integer> ports = new ArrayList<>();
    List<String> relayTunnels = new ArrayList<>();
    for (OpenTunnel tunnel : tunnels.values()) {
      switch (tunnel) {
        case PublicListener listener -> ports.add(listener.port());
        case Reservation reservation -> relayTunnels.add(reservation.tunnel());
      }
    }
    if (!ports.isEmpty()) {
      log.info("client {} released ports {}", client, ports);
    }
    if (!relayTunnels.isEmpty()) {
      log.info("client {} released relay tunnels {}", client, relayTunnels);
    }
    server.sessionEnded(this);
    if (before == RUNNING) {
      events.clientLeft(info);
    }
  }
}
