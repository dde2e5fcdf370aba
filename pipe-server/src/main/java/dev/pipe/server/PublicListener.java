package dev.pipe.server;

import dev.pipe.balance.Backend;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Sockets;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tunnel behind a {@link PublicPort}: alone on its port or a member of a group. A user
 * connection from a source the tunnel does not admit, or beyond the tunnel's connection limit, is
 * closed at once, before any byte flows. Every other is handed to the owning client through {@link
 * ControlSession#requestDataConnection}. It also knows its spliced connections, so that an operator
 * who closes the tunnel cuts them too, and whether its client reports it healthy.
 */
final class PublicListener implements Backend, PublicEndpoint, StreamTunnel {
  private static final Logger log = LoggerFactory.getLogger(PublicListener.class);

  private final ControlSession owner;
  private final TunnelInfo info;
  private final String tunnel;
  private final PublicPort publicPort;
  private final int weight;
  private final PendingConnections pending;
  private final ServerEvents events;
  private final SourceFilter tunnelSources;
  private final IntSupplier maxConnections;
  private final AtomicInteger connections = new AtomicInteger();
  private final RateLimitedLog pendingFull = new RateLimitedLog(log);
  private final RateLimitedLog tunnelFull = new RateLimitedLog(log);
  private final RateLimitedLog sourceDenied = new RateLimitedLog(log);
  private final SplicedSockets spliced = new SplicedSockets();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean healthy = true;

  PublicListener(
      ControlSession owner,
      TunnelInfo info,
      PublicPort publicPort,
      int weight,
      PendingConnections pending,
      ServerEvents events,
      SourceFilter tunnelSources,
      IntSupplier maxConnections) {
    this.owner = owner;
    this.info = info;
    this.tunnel = info.name();
    this.publicPort = publicPort;
    this.weight = weight;
    this.pending = pending;
    this.events = events;
    this.tunnelSources = tunnelSources;
    this.maxConnections = maxConnections;
  }

  @Override
  public String tunnel() {
    return tunnel;
  }

  @Override
  public TunnelInfo info() {
    return info;
  }

  @Override
  public int port() {
    return publicPort.port();
  }

  @Override
  public String describe() {
    return String.valueOf(port());
  }

  /** Starts its port's accept thread, unless an earlier member of its group did. */
  @Override
  public void start() {
    publicPort.start();
  }

  PublicPort publicPort() {
    return publicPort;
  }

  @Override
  public ControlSession owner() {
    return owner;
  }

  /** The same client and tunnel name give the same key, so a member that returns gets its share. */
  @Override
  public String key() {
    return owner.clientId() + "/" + tunnel;
  }

  @Override
  public int weight() {
    return weight;
  }

  @Override
  public int activeConnections() {
    return connections.get();
  }

  /** False while the client's health check finds the local service down: no new users then. */
  boolean healthy() {
    return healthy && !closed.get();
  }

  @Override
  public boolean health(boolean nowHealthy) {
    boolean before = healthy;
    healthy = nowHealthy;
    return before != nowHealthy;
  }

  /** Takes one user connection that its port picked this tunnel for. */
  void admit(Socket user) {
    if (!tunnelSources.permits(user.getInetAddress())
        || !owner.user().sources().permits(user.getInetAddress())) {
      events.limitHit(ServerLimit.SOURCE_LISTS);
      sourceDenied.warn(
          "tunnel={} port={} refused user {}: its address is not allowed"
              + " (allow_sources/deny_sources)",
          tunnel,
          port(),
          ControlChannel.describe(user.getRemoteSocketAddress()));
      Sockets.closeQuietly(user);
      return;
    }
    int limit = maxConnections.getAsInt();
    if (connections.incrementAndGet() > limit) {
      connections.decrementAndGet();
      events.limitHit(ServerLimit.MAX_CONNECTIONS_PER_TUNNEL);
      tunnelFull.warn(
          "tunnel={} port={} refused a user connection: it already has {}"
              + " (max_connections_per_tunnel)",
          tunnel,
          port(),
          limit);
      Sockets.closeQuietly(user);
      return;
    }
    if (!owner.requestDataConnection(this, user)) {
      events.limitHit(ServerLimit.MAX_PENDING_CONNECTIONS);
      pendingFull.warn(
          "tunnel={} port={} refused a user connection: {} connections already wait for their"
              + " client (max_pending_connections)",
          tunnel,
          port(),
          pending.capacity());
      Sockets.closeQuietly(user);
      connectionEnded();
    }
  }

  /** The user learns nothing but the close: a TCP client has no other channel to be told on. */
  @Override
  public void abandon(Socket user, String reason) {
    Sockets.closeQuietly(user);
    connectionEnded();
  }

  /** A user connection of this tunnel has ended, wherever that happened. */
  void connectionEnded() {
    connections.decrementAndGet();
  }

  /**
   * Remembers a user connection that is being spliced; false if the tunnel's connections were cut
   * already, and then the caller must close it.
   */
  boolean track(Socket user) {
    return spliced.track(user);
  }

  void untrack(Socket user) {
    spliced.untrack(user);
  }

  @Override
  public void cutConnections() {
    spliced.cutAll();
  }

  /** Marks the tunnel closed, so that it takes no new users; true for the call that closed it. */
  boolean close() {
    return closed.compareAndSet(false, true);
  }
}
