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
  private final String client;
  private final ClientInfo info;
  private final ServerEvents events;
  private final Map<String, OpenTunnel> tunnels = new ConcurrentHashMap<>();
  private final DataPool pool;
  private final AtomicInteger state = new AtomicInteger(NEW);
  private volatile Thread heartbeat;

  ControlSession(
      PipeServer server,
      ControlChannel channel,
      Message.Login login,
      User user,
      Duration heartbeatInterval,
      ServerEvents events) {
    this.server = server;
    this.channel = channel;
    this.login = login;
    this.user = user;
    this.heartbeatInterval = heartbeatInterval;
    this.pool = new DataPool(server.limits().maxPoolPerClient());
    this.client = channel.peer();
    this.info =
        new ClientInfo(
            login.clientId(),
            client,
            user.name(),
            login.clientVersion(),
            Instant.now(),
            pool::idle);
    this.events = events;
  }

  String clientId() {
    return login.clientId();
  }

  /** The address the client connects from. */
  InetAddress source() {
    return channel.socket().getInetAddress();
  }

  /** The data connections this client opened ahead of time. */
  DataPool pool() {
    return pool;
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
      channel.send(new Message.LoginAccepted(heartbeatInterval.toMillis(), pool.capacity()));
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
      case Message.Forward forward -> forward(forward, Optional.empty());
      case Message.JoinGroup join -> forward(join.forward(), Optional.of(join));
      case Message.Reserve reserve -> reserve(reserve);
      case Message.TunnelHealth health -> health(health);
      case Message.StopTunnel stop -> stop(stop);
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
      case Message.PoolLogin unexpected -> throw unexpected(unexpected);
      case Message.PoolAccepted unexpected -> throw unexpected(unexpected);
      case Message.Assign unexpected -> throw unexpected(unexpected);
      case Message.Datagram unexpected -> throw unexpected(unexpected);
      case Message.SessionClosed unexpected -> throw unexpected(unexpected);
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
    int maxTunnels = server.limits().maxTunnelsPerClient();
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

  private void forward(Message.Forward forward, Optional<Message.JoinGroup> join)
      throws IOException {
    String name = forward.tunnel();
    Optional<String> refusal = refusal(name);
    if (refusal.isPresent()) {
      reject(name, refusal.get());
      return;
    }
    PublicEndpoint endpoint;
    try {
      endpoint = server.ports().open(this, forward, join);
    } catch (TunnelRejected e) {
      reject(name, e.getMessage());
      return;
    }
    tunnels.put(name, endpoint);
    if (isClosed()) {
      // The session ended while the port was being bound: give the port back.
      release(endpoint, SESSION_ENDED);
      return;
    }
    log.info(
        "tunnel {} of client {} open on port {} ({}{})",
        name,
        client,
        endpoint.port(),
        forward.type().wireName(),
        membership(endpoint, join));
    channel.send(new Message.ForwardAccepted(name, endpoint.port()));
    // Only now: a UDP tunnel's first act is an Exchange, which must follow ForwardAccepted.
    endpoint.start();
  }

  /** ", group web member 2, round_robin, weight 1" for a group member; empty for a lone tunnel. */
  private static String membership(PublicEndpoint endpoint, Optional<Message.JoinGroup> join) {
    if (!(endpoint instanceof PublicListener member) || join.isEmpty()) {
      return "";
    }
    Message.JoinGroup j = join.get();
    return ", group "
        + j.group()
        + " member "
        + member.publicPort().size()
        + ", "
        + j.strategy().wireName()
        + ", weight "
        + j.weight();
  }

  /** The client's health check changed its verdict: the tunnel leaves or rejoins the rotation. */
  private void health(Message.TunnelHealth health) {
    // A reservation takes no part: a provider's unhealthy service refuses circuits by itself.
    if (!(tunnels.get(health.tunnel()) instanceof PublicEndpoint listener)
        || !listener.health(health.healthy())) {
      return;
    }
    if (health.healthy()) {
      log.info(
          "tunnel {} of client {} on port {} is healthy again: back in the rotation",
          health.tunnel(),
          client,
          listener.port());
    } else {
      log.warn(
          "tunnel {} of client {} on port {} is unhealthy ({}): out of the rotation",
          health.tunnel(),
          client,
          listener.port(),
          health.reason());
    }
    events.tunnelHealthChanged(listener.info(), health.healthy(), health.reason());
  }

  /**
   * The client stopped a tunnel: it takes no new users; its spliced connections go on. A UDP
   * tunnel's sessions end with its data connection.
   */
  private void stop(Message.StopTunnel stop) {
    OpenTunnel tunnel = tunnels.remove(stop.tunnel());
    if (tunnel == null) {
      log.debug("client {} stopped tunnel {}, which it does not hold", client, stop.tunnel());
      return;
    }
    release(tunnel, "the client stopped it: " + stop.reason());
    log.info(
        "tunnel {} of client {} {} stopped by the client: {}",
        stop.tunnel(),
        client,
        where(tunnel),
        stop.reason());
  }

  /** Reserves a relay tunnel, or refreshes this client's reservation of it. */
  private void reserve(Message.Reserve reserve) throws IOException {
    String name = reserve.tunnel();
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
      reservation = server.reservations().reserve(this, reserve);
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
        reservation.describeTtl());
    channel.send(new Message.ReservationAccepted(name, reservation.ttl().toMillis()));
  }

  private void reject(String tunnel, String reason) throws IOException {
    log.warn("tunnel {} of client {} rejected: {}", tunnel, client, reason);
    channel.send(new Message.ForwardRejected(tunnel, reason));
  }

  /** Closes a tunnel's port or reservation; the first release of a tunnel reports it. */
  private void release(OpenTunnel tunnel, String reason) {
    switch (tunnel) {
      case PublicEndpoint endpoint -> server.ports().release(endpoint, reason);
      case Reservation reservation -> server.reservations().release(reservation, reason);
    }
  }

  /** Where a tunnel is, for a log line: {@code on port 9000}, {@code on the relay}. */
  private static String where(OpenTunnel tunnel) {
    return switch (tunnel) {
      case PublicEndpoint endpoint -> "on port " + endpoint.describe();
      case Reservation reservation -> "on the relay";
    };
  }

  /** Sends a frame to the client; any thread may call it. */
  void send(Message message) throws IOException {
    channel.send(message);
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
            "tunnel {} of client {} {} closed: {}",
            listener.tunnel(),
            client,
            where(listener),
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
   * Hands {@code user}, a connection accepted for {@code tunnel} (a public port's user, a relay
   * visitor's circuit), to the client: a TCP user over an idle pooled data connection if one waits,
   * else (and always for a circuit) by asking the client for a data connection, while the user
   * waits in {@link PendingConnections}. Every kind of tunnel hands its users to its client through
   * here.
   *
   * @return false if the server already holds its most waiting connections; the caller then closes
   *     the user connection
   */
  boolean requestDataConnection(StreamTunnel tunnel, Socket user) {
    ConnectionId id = ConnectionId.random();
    try {
      Sockets.tune(user);
    } catch (IOException e) {
      log.debug("tunnel={} user connection failed at once: {}", tunnel.tunnel(), e.toString());
    }
    if (tunnel instanceof PublicListener listener && assignPooled(listener, id, user)) {
      return true;
    }
    if (!server.pending().add(id, user, tunnel)) {
      return false;
    }
    try {
      channel.send(new Message.Exchange(id, tunnel.tunnel(), addressOf(user)));
    } catch (IOException e) {
      log.debug(
          "tunnel={} could not announce connection id={}: {}", tunnel.tunnel(), id, e.toString());
      server.pending().fail(id, "the client's control connection failed: " + e.getMessage(), this);
    }
    return true;
  }

  /**
   * Hands a TCP user to an idle pooled data connection; false if none waits. A circuit never goes
   * this way: the broker splices it through the relay's rate limit and deadline from its first
   * byte, which a pooled connection's watcher would read past (docs/architecture.md).
   */
  private boolean assignPooled(PublicListener listener, ConnectionId id, Socket user) {
    PooledConnection pooled;
    while ((pooled = pool.take()) != null) {
      if (pooled.assign(listener, id, user)) {
        events.userConnectionDispatched(listener.info(), true);
        return true;
      }
    }
    events.userConnectionDispatched(listener.info(), false);
    return false;
  }

  /**
   * The user's IP address as a literal, without an IPv6 zone, which means nothing to the client.
   */
  static String addressOf(Socket user) {
    String address = user.getInetAddress().getHostAddress();
    int zone = address.indexOf('%');
    return zone < 0 ? address : address.substring(0, zone);
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
    pool.closeAll();
    tunnels.values().forEach(tunnel -> release(tunnel, SESSION_ENDED));
    List<String> ports = new ArrayList<>();
    List<String> relayTunnels = new ArrayList<>();
    for (OpenTunnel tunnel : tunnels.values()) {
      switch (tunnel) {
        case PublicEndpoint endpoint -> ports.add(endpoint.describe());
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
