package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proxy.RateLimitedLog;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
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
 * One logged-in client: reads its control frames, opens and closes its tunnels (public ports, names
 * on the shared ports, relay reservations), and sends it a heartbeat. When the client goes away,
 * for whatever reason, its ports, names and reservations are released at once.
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
  private final RateLimitedLog pendingFull = new RateLimitedLog(log);
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
      case Message.HttpForward forward -> httpForward(forward);
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
      case Message.HttpForwardAccepted unexpected -> throw unexpected(unexpected);
    }
    return true;
  }

  private static ProtocolException unexpected(Message message) {
    return new ProtocolException(
        message.getClass().getSimpleName() + " is not valid from a client on a control connection");
  }

  /** True if this session may open a tunnel named {@code name}; else the client is told why. */
  private boolean mayOpen(String name) throws IOException {
    String refusal = refusal(name);
    if (refusal != null) {
      reject(name, refusal);
    }
    return refusal == null;
  }

  /** Why this session may not open a tunnel named {@code name}; null if it may. */
  private String refusal(String name) {
    if (tunnels.containsKey(name)) {
      return "this client already has a tunnel named '" + name + "'; names must differ";
    }
    if (!user.mayUseName(name)) {
      return "user "
          + user
          + " may not use the tunnel name '"
          + name
          + "' (allowed: "
          + String.join(", ", user.allowedNames().stream().map(NamePattern::toString).toList())
          + ")";
    }
    int maxTunnels = server.limits().maxTunnelsPerClient();
    if (tunnels.size() >= maxTunnels) {
      events.limitHit(ServerLimit.MAX_TUNNELS_PER_CLIENT);
      return "this client already holds "
          + tunnels.size()
          + " tunnels, the most one client may hold (max_tunnels_per_client); split them over"
          + " several clients";
    }
    return null;
  }

  private void forward(Message.Forward forward, Optional<Message.JoinGroup> join)
      throws IOException {
    String name = forward.tunnel();
    if (!mayOpen(name)) {
      return;
    }
    PublicEndpoint endpoint;
    try {
      endpoint = server.ports().open(this, forward, join);
    } catch (TunnelRejected e) {
      reject(name, e.getMessage());
      return;
    }
    if (!keep(endpoint)) {
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

  private void httpForward(Message.HttpForward forward) throws IOException {
    String name = forward.tunnel();
    if (!mayOpen(name)) {
      return;
    }
    HostRoutes.Opened opened;
    try {
      opened = server.hosts().open(this, forward);
    } catch (TunnelRejected e) {
      reject(name, e.getMessage());
      return;
    }
    NamedTunnel tunnel = opened.tunnel();
    if (!keep(tunnel)) {
      return;
    }
    List<String> urls = server.hosts().urls(tunnel);
    if (!opened.notice().isEmpty()) {
      log.info("tunnel {} of client {}: {}", name, client, opened.notice());
    }
    log.info(
        "tunnel {} of client {} open at {} ({})",
        name,
        client,
        String.join(", ", urls),
        forward.type().wireName());
    channel.send(new Message.HttpForwardAccepted(name, urls, opened.notice()));
    tunnel.start();
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
    if (!mayOpen(name)) {
      return;
    }
    Reservation reservation;
    try {
      reservation = server.reservations().reserve(this, reserve);
    } catch (TunnelRejected e) {
      reject(name, e.getMessage());
      return;
    }
    if (!keep(reservation)) {
      return;
    }
    log.info(
        "relay tunnel {} of client {} reserved (reservation_ttl {})",
        name,
        client,
        reservation.describeTtl());
    channel.send(new Message.ReservationAccepted(name, reservation.ttl().toMillis()));
  }

  /** Holds a tunnel just opened; false if the session ended meanwhile and it was given back. */
  private boolean keep(OpenTunnel tunnel) {
    tunnels.put(tunnel.tunnel(), tunnel);
    if (isClosed()) {
      server.release(tunnel, SESSION_ENDED);
      return false;
    }
    return true;
  }

  /** The client's health check changed its verdict: the tunnel leaves or rejoins the rotation. */
  private void health(Message.TunnelHealth health) {
    // A reservation takes no part: a provider's unhealthy service refuses circuits by itself.
    if (!(tunnels.get(health.tunnel()) instanceof PublicEndpoint endpoint)
        || !endpoint.health(health.healthy())) {
      return;
    }
    if (health.healthy()) {
      log.info(
          "tunnel {} of client {} {} is healthy again: back in the rotation",
          health.tunnel(),
          client,
          where(endpoint));
    } else {
      log.warn(
          "tunnel {} of client {} {} is unhealthy ({}): out of the rotation",
          health.tunnel(),
          client,
          where(endpoint),
          health.reason());
    }
    events.tunnelHealthChanged(endpoint.info(), health.healthy(), health.reason());
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
    server.release(tunnel, "the client stopped it: " + stop.reason());
    log.info(
        "tunnel {} of client {} {} stopped by the client: {}",
        stop.tunnel(),
        client,
        where(tunnel),
        stop.reason());
  }

  /**
   * Where a tunnel is, for a log line: "on port 9000", "on port 9000/udp", "at demo.example.com"
   * for an http or https tunnel, "on the relay" for a reservation.
   */
  private static String where(OpenTunnel tunnel) {
    return switch (tunnel) {
      case NamedTunnel named -> "at " + named.describe();
      case PublicListener listener -> "on port " + listener.describe();
      case PublicDatagramPort port -> "on port " + port.describe();
      case Reservation reservation -> "on the relay";
    };
  }

  private void reject(String tunnel, String reason) throws IOException {
    log.warn("tunnel {} of client {} rejected: {}", tunnel, client, reason);
    channel.send(new Message.ForwardRejected(tunnel, reason));
  }

  /** Sends a frame to the client; any thread may call it. */
  void send(Message message) throws IOException {
    channel.send(message);
  }

  /**
   * Closes one tunnel on an operator's request: its port stops accepting (or its names stop
   * routing), its connections are cut, and the client is told why, so that it does not ask for the
   * tunnel again.
   *
   * @return the tunnel, if this session held it
   */
  Optional<TunnelInfo> closeTunnel(String id, String reason) {
    for (OpenTunnel tunnel : tunnels.values()) {
      if (tunnel.info().id().equals(id) && tunnels.remove(tunnel.tunnel(), tunnel)) {
        server.release(tunnel, reason);
        tunnel.cutConnections();
        log.info(
            "tunnel {} of client {} {} closed: {}", tunnel.tunnel(), client, where(tunnel), reason);
        try {
          channel.send(new Message.TunnelClosed(tunnel.tunnel(), reason));
        } catch (IOException e) {
          log.debug("could not tell client {} its tunnel closed: {}", client, e.toString());
        }
        return Optional.of(tunnel.info());
      }
    }
    return Optional.empty();
  }

  /**
   * Hands {@code user}, who wants {@code tunnel}, to this client: over one of its pooled data
   * connections if one is idle, else by asking it for a new one, which the user waits for in {@link
   * PendingConnections}. Every TCP, http and https tunnel hands its users to its client through
   * here.
   *
   * @return false if the server already holds its most waiting connections (reported and logged
   *     here); the caller then ends the user's connection
   */
  boolean requestDataConnection(StreamTunnel tunnel, WaitingUser user) {
    ConnectionId id = ConnectionId.random();
    PooledConnection pooled;
    while ((pooled = pool.take()) != null) {
      if (pooled.assign(tunnel, id, user)) {
        events.userConnectionDispatched(tunnel.info(), true);
        return true;
      }
    }
    events.userConnectionDispatched(tunnel.info(), false);
    return announce(id, tunnel, user);
  }

  /**
   * Asks this client, the provider of {@code reservation}, for a new data connection to carry a
   * visitor's circuit, which waits for it in {@link PendingConnections}. A circuit never takes a
   * pooled connection: the broker splices it through the relay's rate limit and deadline from its
   * first byte, which a pooled connection's watcher would read past (docs/architecture.md).
   *
   * @return false if the server already holds its most waiting connections (reported and logged
   *     here); the caller then refuses the circuit
   */
  boolean requestCircuitConnection(Reservation reservation, WaitingCircuit circuit) {
    return announce(ConnectionId.random(), reservation, circuit);
  }

  /** Parks {@code waiter} in {@link PendingConnections} and tells the client with an Exchange. */
  private boolean announce(ConnectionId id, OpenTunnel tunnel, Waiter waiter) {
    if (!server.pending().add(id, waiter, tunnel)) {
      events.limitHit(ServerLimit.MAX_PENDING_CONNECTIONS);
      pendingFull.warn(
          "tunnel={} refused a connection: {} connections already wait for their client"
              + " (max_pending_connections)",
          tunnel.tunnel(),
          server.pending().capacity());
      return false;
    }
    try {
      channel.send(waiter.exchange(id, tunnel.tunnel()));
    } catch (IOException e) {
      log.debug(
          "tunnel={} could not announce connection id={}: {}", tunnel.tunnel(), id, e.toString());
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

  /** Ends the session and releases every tunnel it held; safe to call more than once. */
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
    tunnels.values().forEach(tunnel -> server.release(tunnel, SESSION_ENDED));
    List<String> ports = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<String> relayTunnels = new ArrayList<>();
    for (OpenTunnel tunnel : tunnels.values()) {
      switch (tunnel) {
        case NamedTunnel named -> names.addAll(named.hosts());
        case PublicListener listener -> ports.add(listener.describe());
        case PublicDatagramPort port -> ports.add(port.describe());
        case Reservation reservation -> relayTunnels.add(reservation.tunnel());
      }
    }
    if (!ports.isEmpty()) {
      log.info("client {} released ports {}", client, ports);
    }
    if (!names.isEmpty()) {
      log.info("client {} released names {}", client, names);
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
