package dev.pipe.server;

import dev.pipe.config.SourceFilter;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One public port of one tunnel. A user connection from a source the tunnel does not admit, or
 * beyond the tunnel's connection limit, is closed at accept, before any byte flows. Every other is
 * parked in {@link PendingConnections} under a fresh id, and the owning client is told to open a
 * data connection for that id. It also knows its spliced connections, so that an operator who
 * closes the tunnel cuts them too.
 */
final class PublicListener implements OpenTunnel {
  private static final Logger log = LoggerFactory.getLogger(PublicListener.class);
  private static final Duration ACCEPT_RETRY_PAUSE = Duration.ofMillis(100);

  private final ControlSession owner;
  private final TunnelInfo info;
  private final String tunnel;
  private final ServerSocket serverSocket;
  private final PendingConnections pending;
  private final ServerEvents events;
  private final SourceFilter tunnelSources;
  private final int maxConnections;
  private final AtomicInteger connections = new AtomicInteger();
  private final RateLimitedLog pendingFull = new RateLimitedLog(log);
  private final RateLimitedLog tunnelFull = new RateLimitedLog(log);
  private final RateLimitedLog sourceDenied = new RateLimitedLog(log);
  private final RateLimitedLog acceptFailed = new RateLimitedLog(log);
  private final SplicedSockets spliced = new SplicedSockets();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread acceptThread;

  PublicListener(
      ControlSession owner,
      TunnelInfo info,
      ServerSocket serverSocket,
      PendingConnections pending,
      ServerEvents events,
      SourceFilter tunnelSources,
      int maxConnections) {
    this.owner = owner;
    this.info = info;
    this.tunnel = info.name();
    this.serverSocket = serverSocket;
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
  public String describe() {
    return "port " + port();
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  @Override
  public ControlSession owner() {
    return owner;
  }

  void start() {
    acceptThread = Thread.ofVirtual().name("public-" + port()).start(this::acceptLoop);
  }

  private void acceptLoop() {
    while (!serverSocket.isClosed()) {
      Socket user;
      try {
        user = serverSocket.accept();
      } catch (IOException e) {
        if (!serverSocket.isClosed()) {
          acceptFailed.warn("tunnel={} port={} could not accept: {}", tunnel, port(), e.toString());
          pauseAfterAcceptFailure();
        }
        continue;
      }
      admit(user);
    }
  }

  /**
   * Accept fails when the process is out of file descriptors; retrying at once would spin, and
   * giving up would kill the tunnel over a passing overload.
   */
  private static void pauseAfterAcceptFailure() {
    try {
      Thread.sleep(ACCEPT_RETRY_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void admit(Socket user) {
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
    if (connections.incrementAndGet() > maxConnections) {
      connections.decrementAndGet();
      events.limitHit(ServerLimit.MAX_CONNECTIONS_PER_TUNNEL);
      tunnelFull.warn(
          "tunnel={} port={} refused a user connection: it already has {}"
              + " (max_connections_per_tunnel)",
          tunnel,
          port(),
          maxConnections);
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

  /** Stops accepting and drops the users still waiting; true for the call that closed it. */
  boolean close() {
    if (!closed.compareAndSet(false, true)) {
      return false;
    }
    Sockets.closeListener(serverSocket, acceptThread);
    pending.dropAll(this);
    return true;
  }
}
