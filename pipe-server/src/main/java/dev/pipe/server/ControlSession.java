package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * One logged-in client: reads its control frames, opens and closes its tunnels, and sends it a
 * heartbeat. When the client goes away, for whatever reason, its ports are released at once.
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
  private final RateLimitedLog pendingFull = new RateLimitedLog(log);
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
      case Message.HttpForward forward -> httpForward(forward);
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
    if (tunnels.size() >= maxTunnels) {
      events.limitHit(ServerLimit.MAX_TUNNELS_PER_CLIENT);
      return "this client already holds "
          + tunnels.size()
          + " tunnels, the most one client may hold (max_tunnels_per_client); split them over"
          + " several clients";
    }
    return null;
  }

  private void forward(Message.Forward forward) throws IOException {
    String name = forward.tunnel();
    if (!mayOpen(name)) {
      return;
    }
    PublicListener listener;
    try {
      listener = server.ports().open(this, forward);
    } catch (TunnelRejected e) {
      reject(name, e.getMessage());
      return;
    }
    if (!keep(listener)) {
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
  }

  /** Holds a tunnel just opened; false if the session ended meanwhile and it was given back. */
  private boolean keep(OpenTunnel tunnel) {
    tunnels.put(tunnel.name(), tunnel);
    if (isClosed()) {
      server.release(tunnel, SESSION_ENDED);
      return false;
    }
    return true;
  }

  private void reject(String tunnel, String reason) throws IOException {
    log.warn("tunnel {} of client {} rejected: {}", tunnel, client, reason);
    channel.send(new Message.ForwardRejected(tunnel, reason));
  }

  /**
   * Closes one tunnel on an operator's request: its port stops accepting, its connections are cut,
   * and the client is told why, so that it does not ask for the tunnel again.
   *
   * @return the tunnel, if this session held it
   */
  Optional<TunnelInfo> closeTunnel(String id, String reason) {
    for (OpenTunnel tunnel : tunnels.values()) {
      if (tunnel.info().id().equals(id) && tunnels.remove(tunnel.name(), tunnel)) {
        server.release(tunnel, reason);
        tunnel.users().cutConnections();
        log.info("tunnel {} of client {} closed: {}", tunnel.name(), client, reason);
        try {
          channel.send(new Message.TunnelClosed(tunnel.name(), reason));
        } catch (IOException e) {
          log.debug("could not tell client {} its tunnel closed: {}", client, e.toString());
        }
        return Optional.of(tunnel.info());
      }
    }
    return Optional.empty();
  }

  /**
   * Asks the client for a data connection to carry {@code user}, who wants {@code tunnel}: the user
   * waits in {@link PendingConnections} until it arrives. Every kind of tunnel hands its users to
   * its client through here.
   *
   * @return false if the server already holds its most waiting connections (reported and logged
   *     here); the caller then ends the user's connection
   */
  boolean requestDataConnection(OpenTunnel tunnel, WaitingUser user) {
    ConnectionId id = ConnectionId.random();
    if (!server.pending().add(id, user, tunnel)) {
      events.limitHit(ServerLimit.MAX_PENDING_CONNECTIONS);
      pendingFull.warn(
          "tunnel={} refused a user connection: {} connections already wait for their client"
              + " (max_pending_connections)",
          tunnel.name(),
          server.pending().capacity());
      return false;
    }
    try {
      channel.send(exchange(id, tunnel.name(), user.source(), user.destination()));
    } catch (IOException e) {
      log.debug(
          "tunnel={} could not announce connection id={}: {}", tunnel.name(), id, e.toString());
      server.pending().fail(id, "the client's control connection failed: " + e.getMessage(), this);
    }
    return true;
  }

  private static Message.Exchange exchange(
      ConnectionId id, String tunnel, InetSocketAddress source, InetSocketAddress destination) {
    if (source == null || destination == null) {
      return new Message.Exchange(id, tunnel);
    }
    return new Message.Exchange(id, tunnel, endpoint(source), endpoint(destination));
  }

  /** {@code IP:PORT}, with IPv6 in brackets and without a scope, as Exchange carries it. */
  private static String endpoint(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String literal = ip.getHostAddress();
    int scope = literal.indexOf('%');
    literal = scope < 0 ? literal : literal.substring(0, scope);
    return (ip instanceof Inet6Address ? "[" + literal + "]" : literal) + ":" + address.getPort();
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
    tunnels.values().forEach(tunnel -> server.release(tunnel, SESSION_ENDED));
    List<Integer> ports = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (OpenTunnel tunnel : tunnels.values()) {
      switch (tunnel) {
        case PublicListener listener -> ports.add(listener.port());
        case NamedTunnel named -> names.addAll(named.hosts());
      }
    }
    if (!ports.isEmpty()) {
      log.info("client {} released ports {}", client, ports);
    }
    if (!names.isEmpty()) {
      log.info("client {} released names {}", client, names);
    }
    server.sessionEnded(this);
    if (before == RUNNING) {
      events.clientLeft(info);
    }
  }
}
