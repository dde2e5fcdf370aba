package dev.pipe.server;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Fingerprint;
import dev.pipe.proto.Message;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.RejectReason;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Sockets;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pipe server}: accepts clients on the control port, opens their tunnels' public ports (or,
 * for http and https tunnels, routes their names on the shared HTTP and HTTPS ports), and splices
 * each user connection to the data connection the client opens for it.
 *
 * <p>Every connection passes, in order: the ban list and the limits on unauthenticated connections
 * (at accept), TLS, then the login, all under one deadline. Threads: one virtual thread accepts on
 * the control port, one per connection runs its login and then its control session, its splice or a
 * UDP tunnel's frames, one per public port (and per shared port) accepts users, one per connection
 * on a shared port serves it, one per UDP tunnel receives its peers' datagrams. A single platform
 * timer thread enforces deadlines by closing sockets.
 */
public final class PipeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipeServer.class);
  private static final int BACKLOG = 1_024;

  /** Two of the largest Datagram frames. */
  private static final int DATAGRAM_READ_BUFFER_BYTES = 128 * 1024;

  private volatile ServerLimits limits;
  private volatile ServerConfig config;
  private final ServerSocket controlListener;
  private final ServerTransport transport;
  private final ScheduledExecutorService timer;
  private final PendingConnections pending;
  private final TunnelPorts ports;
  private final HostRoutes hosts;
  private final Optional<SharedPort> httpPort;
  private final Optional<SharedPort> httpsPort;
  private final DatagramChannelRequests datagramChannels = new DatagramChannelRequests();
  private final Reservations reservations;
  private final CircuitBroker circuits;
  private final ActiveSplices active = new ActiveSplices();
  private final Carrier carrier;
  private final ServerHandshake handshake;
  private final UnauthenticatedConnections unauthenticated;
  private final FailedLogins failedLogins;
  private final Map<String, ControlSession> sessions = new ConcurrentHashMap<>();
  private final Map<InetAddress, Integer> clientsBySource = new ConcurrentHashMap<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final RateLimitedLog refusedAtAccept = new RateLimitedLog(log);
  private final RateLimitedLog refusedBanned = new RateLimitedLog(log);
  private final RateLimitedLog refusedClient = new RateLimitedLog(log);
  private final ServerEvents events;
  private volatile Thread acceptThread;
  private volatile CertificateAsk ask;

  private PipeServer(
      ServerConfig config,
      ServerSocket controlListener,
      Optional<ServerSocket> httpListener,
      Optional<ServerSocket> httpsListener,
      ServerTransport transport,
      ServerEvents events) {
    this.events = events;
    this.carrier = new Carrier(active, events);
    this.config = config;
    this.limits = config.limits();
    this.controlListener = controlListener;
    this.transport = transport;
    ScheduledThreadPoolExecutor deadlines =
        new ScheduledThreadPoolExecutor(
            1, Thread.ofPlatform().name("pipe-timer").daemon().factory());
    // Almost every deadline is cancelled (a login, a request head that arrived in time): drop it
    // from the queue at once rather than keeping thousands until they would have fired.
    deadlines.setRemoveOnCancelPolicy(true);
    this.timer = deadlines;
    this.pending =
        new PendingConnections(limits.maxPendingConnections(), limits.pendingTimeout(), timer);
    this.ports =
        new TunnelPorts(
            config.bindAddress(),
            pending,
            () -> this.limits.maxConnectionsPerTunnel(),
            () -> this.limits.maxGroupMembers(),
            datagramChannels,
            limits.pendingTimeout(),
            events,
            carrier);
    this.hosts =
        new HostRoutes(
            config.http(),
            httpListener.map(ServerSocket::getLocalPort),
            httpsListener.map(ServerSocket::getLocalPort),
            () -> this.config.credentials(),
            pending,
            () -> this.limits.maxConnectionsPerTunnel(),
            events);
    SourceSlots webSlots =
        new SourceSlots(
            limits.maxHttpConnections(),
            ServerLimit.MAX_HTTP_CONNECTIONS,
            limits.maxHttpConnectionsPerSource(),
            ServerLimit.MAX_HTTP_CONNECTIONS_PER_SOURCE);
    HttpFront web = new HttpFront(hosts, config.http(), this::limits, timer, events, active);
    TlsPassthrough tls = new TlsPassthrough(hosts, this::limits, timer, events, carrier);
    this.httpPort =
        httpListener.map(
            socket -> new SharedPort("http", socket, webSlots, config.http(), events, web::serve));
    this.httpsPort =
        httpsListener.map(
            socket -> new SharedPort("https", socket, webSlots, config.http(), events, tls::serve));
    this.unauthenticated =
        new UnauthenticatedConnections(
            limits.maxUnauthenticatedConnections(),
            limits.maxUnauthenticatedPerSource(),
            limits.maxPendingConnections());
    this.failedLogins =
        new FailedLogins(
            limits.loginFailuresBeforeBan(),
            limits.loginFailureWindow(),
            limits.banDuration(),
            System::nanoTime);
    this.reservations = new Reservations(() -> this.limits.relay(), pending, events);
    this.circuits =
        new CircuitBroker(
            reservations, () -> this.limits.relay(), sessions::get, active, timer, events);
    this.handshake =
        new ServerHandshake(config.credentials(), failedLogins, reservations::accessKey);
  }

  /**
   * Loads the TLS identity, binds the control port and starts accepting clients; {@code observers}
   * hear of every event (see {@link ServerEvents}), after the server's own stats line.
   */
  public static PipeServer start(ServerConfig config, ServerEvents... observers)
      throws IOException {
    ServerTransport transport = transport(config.tls());
    HttpSettings http = config.http();
    List<ServerSocket> bound = new ArrayList<>();
    PipeServer server;
    try {
      ServerSocket listener =
          bind(
              bound,
              config.bindAddress(),
              config.port(),
              "is another pipe server running? choose another --port");
      Optional<ServerSocket> httpListener =
          bind(
              bound,
              http.bindAddress(),
              http.port(),
              "choose another --http-port (a port below 1024 needs root or CAP_NET_BIND_SERVICE)");
      Optional<ServerSocket> httpsListener =
          bind(
              bound,
              config.bindAddress(),
              http.httpsPort(),
              "choose another --https-port (is Caddy on it? see docs/https.md)");
      StatsLog stats = new StatsLog(config.statsInterval());
      List<ServerEvents> all = new ArrayList<>(List.of(stats));
      all.addAll(List.of(observers));
      server =
          new PipeServer(
              config, listener, httpListener, httpsListener, transport, ServerEvents.all(all));
      if (http.askPort().isPresent()) {
        server.ask = CertificateAsk.start(http.askPort().get(), server.hosts);
      }
      if (config.statsInterval().isPositive()) {
        long millis = config.statsInterval().toMillis();
        server.timer.scheduleAtFixedRate(stats::logLine, millis, millis, TimeUnit.MILLISECONDS);
      }
    } catch (IOException | RuntimeException e) {
      bound.forEach(Sockets::closeQuietly);
      throw e;
    }
    server.acceptThread = Thread.ofVirtual().name("control-accept").start(server::acceptLoop);
    server.httpPort.ifPresent(SharedPort::start);
    server.httpsPort.ifPresent(SharedPort::start);
    if (config.credentials().open()) {
      log.warn(
          "authentication is OFF (--allow-no-auth): anyone who can reach port {} can open tunnels",
          server.port());
    }
    log.info(
        "pipe server {} listening on {}:{} (heartbeat {} ms)",
        PipeVersion.software(),
        config.bindAddress(),
        server.port(),
        server.limits.heartbeatInterval().toMillis());
    server.httpPort.ifPresent(
        port ->
            log.info(
                "http tunnels on port {}:{}{}",
                http.bindAddress(),
                port.port(),
                http.domain().map(domain -> " as *." + domain).orElse(" (custom domains only)")));
    server.httpsPort.ifPresent(
        port ->
            log.info(
                "https tunnels (TLS passed through by name) on port {}:{}",
                config.bindAddress(),
                port.port()));
    transport
        .fingerprint()
        .ifPresentOrElse(
            fingerprint ->
                log.info(
                    "TLS is on; certificate fingerprint {} (clients can pin it with"
                        + " --server-fingerprint)",
                    fingerprint),
            () ->
                log.warn(
                    "TLS is OFF (--no-tls): tokens' proofs and all tunnel bytes travel in clear"));
    return server;
  }

  /** Binds {@code port} if there is one. */
  private static Optional<ServerSocket> bind(
      List<ServerSocket> bound, String address, Optional<Integer> port, String fix)
      throws IOException {
    return port.isEmpty() ? Optional.empty() : Optional.of(bind(bound, address, port.get(), fix));
  }

  /** Binds a listening socket, or says which flag to change; remembers it in {@code bound}. */
  private static ServerSocket bind(List<ServerSocket> bound, String address, int port, String fix)
      throws IOException {
    ServerSocket listener = new ServerSocket();
    try {
      listener.setReuseAddress(true);
      listener.bind(new InetSocketAddress(address, port), BACKLOG);
    } catch (IOException e) {
      listener.close();
      throw new IOException(
          "cannot listen on " + address + ":" + port + ": " + e.getMessage() + "; " + fix, e);
    }
    bound.add(listener);
    return listener;
  }

  private static ServerTransport transport(ServerTls tls) throws IOException {
    if (!tls.enabled()) {
      return ServerTransport.plain();
    }
    try {
      TlsIdentity identity = TlsIdentity.load(tls);
      return ServerTransport.tls(identity.sslContext(), identity.fingerprint());
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "cannot set up TLS: " + e.getMessage() + "; check --tls-cert and --tls-key", e);
    }
  }

  /** The control port actually bound (useful with port 0). */
  public int port() {
    return controlListener.getLocalPort();
  }

  /** The shared port of http tunnels, if this server serves them (useful with port 0). */
  public OptionalInt httpPort() {
    return httpPort.map(port -> OptionalInt.of(port.port())).orElse(OptionalInt.empty());
  }

  /** The shared port of https tunnels, if this server serves them. */
  public OptionalInt httpsPort() {
    return httpsPort.map(port -> OptionalInt.of(port.port())).orElse(OptionalInt.empty());
  }

  /** The loopback port of Caddy's ask check, if it runs. */
  public OptionalInt askPort() {
    return ask == null ? OptionalInt.empty() : OptionalInt.of(ask.port());
  }

  /** True until {@link #close()} begins: the health check's answer. */
  public boolean isRunning() {
    return !closing.get();
  }

  /** The clients logged in now, the longest connected first. */
  public List<ClientInfo> clients() {
    return sessions.values().stream()
        .map(ControlSession::info)
        .sorted(Comparator.comparing(ClientInfo::since))
        .toList();
  }

  /** The tunnels open now, the oldest first. */
  public List<TunnelInfo> tunnels() {
    return sessions.values().stream()
        .flatMap(session -> session.tunnels().stream())
        .sorted(Comparator.comparing(TunnelInfo::since))
        .toList();
  }

  /**
   * Closes a tunnel by hand: its port stops accepting, its connections are cut, and its client is
   * told {@code reason} and does not ask for it again until it restarts.
   *
   * @return the tunnel that was closed; empty if no open tunnel has this id
   */
  public Optional<TunnelInfo> closeTunnel(String id, String reason) {
    for (ControlSession session : sessions.values()) {
      Optional<TunnelInfo> closedTunnel = session.closeTunnel(id, reason);
      if (closedTunnel.isPresent()) {
        return closedTunnel;
      }
    }
    return Optional.empty();
  }

  /**
   * Runs with {@code next} from now on, as far as a running server can: logins are checked against
   * its users at once, and a client whose user was removed or changed (token, ports, names,
   * sources, subdomains and domains) is told goodbye, so that it logs in again under the new rules
   * or is refused; other clients keep every tunnel and connection. Limits read per request change
   * at once; see {@link ServerReload} for what waits for a restart.
   *
   * @return the settings that changed but take effect only after a restart
   */
  public synchronized List<String> reload(ServerConfig next) {
    ServerReload reload = ServerReload.between(config, next);
    handshake.credentials(next.credentials());
    limits = reload.limits();
    config = next;
    int ended = 0;
    for (ControlSession session : List.copyOf(sessions.values())) {
      if (!next.credentials().holds(session.user())) {
        ended++;
        log.info(
            "client {} logged in as user {}, whose entry the reload removed or changed; ending its"
                + " session",
            session,
            session.user());
        session.goodbye("the server's settings for user " + session.user() + " changed");
      }
    }
    log.info(
        "config reloaded: {} clients kept, {} sessions ended for changed users{}",
        sessions.size(),
        ended,
        reload.restartOnly().isEmpty()
            ? ""
            : "; changed but waiting for a restart: " + String.join(", ", reload.restartOnly()));
    return reload.restartOnly();
  }

  /** The TLS certificate's fingerprint, or empty when TLS is off. */
  public Optional<Fingerprint> fingerprint() {
    return transport.fingerprint();
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /** The limits in force now; a reload may change some of them (see {@link ServerReload}). */
  ServerLimits limits() {
    return limits;
  }

  PendingConnections pending() {
    return pending;
  }

  TunnelPorts ports() {
    return ports;
  }

  HostRoutes hosts() {
    return hosts;
  }

  Reservations reservations() {
    return reservations;
  }

  /**
   * Gives back what brings users to a tunnel: its port, its share of a group's port, its names, or
   * its relay reservation. The first release of a tunnel reports it.
   */
  void release(OpenTunnel tunnel, String reason) {
    switch (tunnel) {
      case PublicListener listener -> ports.release(listener, reason);
      case PublicDatagramPort port -> ports.release(port, reason);
      case NamedTunnel named -> hosts.release(named, reason);
      case Reservation reservation -> reservations.release(reservation, reason);
    }
  }

  void sessionEnded(ControlSession session) {
    if (sessions.remove(session.clientId(), session)) {
      clientsBySource.computeIfPresent(
          session.source(), (address, count) -> count == 1 ? null : count - 1);
    }
  }

  private void acceptLoop() {
    while (!closing.get()) {
      Socket socket;
      try {
        socket = controlListener.accept();
      } catch (IOException e) {
        if (!closing.get()) {
          log.warn("control port stopped accepting: {}", e.toString());
        }
        return;
      }
      admit(socket);
    }
  }

  /** The checks that cost nothing: the ban list and the limits on connections not logged in. */
  private void admit(Socket socket) {
    InetAddress source = socket.getInetAddress();
    if (failedLogins.isBanned(source)) {
      events.limitHit(ServerLimit.LOGIN_BAN);
      refusedBanned.warn(
          "refused connection: source={} is banned after repeated failed logins",
          source.getHostAddress());
      Sockets.closeQuietly(socket);
      return;
    }
    switch (unauthenticated.enter(source, clientsBySource.containsKey(source))) {
      case Admission.Refused refused -> {
        events.limitHit(refused.limit());
        refusedAtAccept.warn(
            "refused connection from {}: limit {} = {} reached",
            source.getHostAddress(),
            refused.limit().key(),
            refused.value());
        Sockets.closeQuietly(socket);
      }
      case Admission.Slot slot ->
          Thread.ofVirtual()
              .name("connection-" + ControlChannel.describe(socket.getRemoteSocketAddress()))
              .start(() -> serve(socket, slot));
    }
  }

  /** Runs TLS and the login under one deadline, then the control session or the splice. */
  private void serve(Socket socket, Admission.Slot slot) {
    String peer = ControlChannel.describe(socket.getRemoteSocketAddress());
    Duration timeout = limits.handshakeTimeout();
    ScheduledFuture<?> deadline =
        timer.schedule(
            () -> Sockets.closeQuietly(socket), timeout.toMillis(), TimeUnit.MILLISECONDS);
    ServerHandshake.Outcome outcome;
    try {
      Sockets.tune(socket);
      Socket secured = transport.secure(socket, timeout.dividedBy(2), timeout);
      secured.setSoTimeout(Math.toIntExact(timeout.toMillis()));
      outcome = handshake.perform(new ControlChannel(secured, limits.maxFrameBytes()));
    } catch (ServerHandshake.Refused e) {
      events.handshakeFailed(e.failure());
      loginFailed(socket, e);
      return;
    } catch (EOFException e) {
      log.debug("connection from {} closed before logging in", peer);
      Sockets.closeQuietly(socket);
      return;
    } catch (SSLException e) {
      events.handshakeFailed(HandshakeFailure.TLS);
      log.warn("connection from {} closed: TLS handshake failed: {}", peer, e.getMessage());
      Sockets.closeQuietly(socket);
      return;
    } catch (ProtocolException e) {
      events.handshakeFailed(HandshakeFailure.PROTOCOL_ERROR);
      log.warn("connection from {} closed: {}", peer, e.getMessage());
      Sockets.closeQuietly(socket);
      return;
    } catch (IOException e) {
      if (deadline.isDone()) {
        events.handshakeFailed(HandshakeFailure.TIMEOUT);
        log.info("connection from {} closed: no login within {} ms", peer, timeout.toMillis());
      } else {
        log.debug("connection from {} failed during login: {}", peer, e.toString());
      }
      Sockets.closeQuietly(socket);
      return;
    } finally {
      deadline.cancel(false);
      slot.close();
    }
    switch (outcome) {
      case ServerHandshake.ControlLogin control -> runSession(control);
      case ServerHandshake.DataLogin data -> serveData(data);
      case ServerHandshake.PoolLogin pool -> joinPool(pool);
      case ServerHandshake.CircuitLogin circuit -> circuits.open(circuit);
    }
  }

  /**
   * One line per failure, in a fixed key=value form that fail2ban can match (see docs/security.md);
   * the token itself is never part of it.
   */
  private void loginFailed(Socket socket, ServerHandshake.Refused refused) {
    InetAddress source = socket.getInetAddress();
    log.warn(
        "authentication failure: source={} port={} reason=\"{}\"",
        source.getHostAddress(),
        socket.getPort(),
        refused.getMessage());
    if (refused.startedBan()) {
      log.warn(
          "ban: source={} banned for {} s after {} failed logins within {} s",
          source.getHostAddress(),
          limits.banDuration().toSeconds(),
          limits.loginFailuresBeforeBan(),
          limits.loginFailureWindow().toSeconds());
    }
    Sockets.closeQuietly(socket);
  }

  private void runSession(ServerHandshake.ControlLogin control) {
    if (closing.get()) {
      refuse(control.channel(), RejectReason.SHUTTING_DOWN, "the server is shutting down");
      return;
    }
    String clientId = control.login().clientId();
    ControlSession previous = sessions.get(clientId);
    if (previous == null && sessions.size() >= limits.maxClients()) {
      events.limitHit(ServerLimit.MAX_CLIENTS);
      refusedClient.warn(
          "refused client {}: limit max_clients = {} reached",
          control.channel().peer(),
          limits.maxClients());
      refuse(
          control.channel(),
          RejectReason.BUSY,
          "the server already serves its maximum of "
              + limits.maxClients()
              + " clients; try later");
      return;
    }
    if (previous != null && !previous.user().sameAs(control.user())) {
      // A client id is only ever replaced by the same user: nobody can evict another's session.
      log.warn(
          "client {} logged in as {} with the client id of a session of {}; refused",
          control.channel().peer(),
          control.user(),
          previous.user());
      refuse(control.channel(), RejectReason.PROTOCOL_ERROR, "client id already in use");
      return;
    }
    ControlSession session =
        new ControlSession(
            this,
            control.channel(),
            control.login(),
            control.user(),
            limits.heartbeatInterval(),
            events);
    previous = sessions.put(clientId, session);
    clientsBySource.merge(session.source(), 1, Integer::sum);
    if (previous != null) {
      // The same client process reconnected before we noticed its old connection die.
      log.info("client {} reconnected; replacing its previous session", control.channel().peer());
      previous.close();
    }
    session.run();
  }

  /**
   * A data connection carries one user connection of a TCP tunnel, the requests of an HTTP
   * connection or a TLS connection of an https tunnel, or a UDP tunnel's datagrams.
   */
  private void serveData(ServerHandshake.DataLogin data) {
    PublicDatagramPort udp = datagramChannels.claim(data.login().id(), data.user());
    if (udp == null) {
      spliceData(data);
      return;
    }
    ControlChannel raw = data.channel();
    try {
      raw.setReadTimeout(Duration.ZERO);
      // Frames follow each other closely on this connection: read them through a buffer.
      udp.serve(
          data.login().id(),
          new ControlChannel(
              raw.socket(),
              new BufferedInputStream(raw.socket().getInputStream(), DATAGRAM_READ_BUFFER_BYTES),
              raw.socket().getOutputStream(),
              limits.maxFrameBytes()));
    } catch (IOException e) {
      log.debug("udp data connection from {} failed: {}", raw.peer(), e.toString());
      raw.close();
    }
  }

  private void spliceData(ServerHandshake.DataLogin data) {
    ControlChannel channel = data.channel();
    PendingConnections.Pending user = pending.claim(data.login().id(), data.user());
    if (user == null) {
      events.handshakeFailed(HandshakeFailure.UNKNOWN_CONNECTION);
      log.warn(
          "data connection from {} closed: connection id {} is unknown, already used or expired",
          channel.peer(),
          data.login().id());
      refuse(
          channel,
          RejectReason.UNKNOWN_CONNECTION,
          "connection id " + data.login().id() + " is unknown, already used or expired");
      return;
    }
    user.waiter().claimed(user.id(), channel);
  }

  /** A data connection opened ahead of time waits in its client's pool until a user needs it. */
  private void joinPool(ServerHandshake.PoolLogin pool) {
    ControlChannel channel = pool.channel();
    ControlSession session = sessions.get(pool.login().clientId());
    // sameAs, not equals: a reload makes new User objects for the users it keeps.
    if (session == null || !session.user().sameAs(pool.user())) {
      refuse(
          channel,
          RejectReason.UNKNOWN_CONNECTION,
          "no control session of this client is open; log in before opening pooled connections");
      return;
    }
    PooledConnection connection = new PooledConnection(channel, session.pool());
    if (!session.pool().join(connection)) {
      refuse(
          channel,
          RejectReason.BUSY,
          "the pool of this client is full (max_pool_per_client = "
              + session.pool().capacity()
              + ")");
      return;
    }
    try {
      channel.send(new Message.PoolAccepted());
      channel.setReadTimeout(Duration.ZERO);
    } catch (IOException e) {
      session.pool().remove(connection);
      channel.close();
      return;
    }
    connection.serve(limits.heartbeatInterval());
  }

  /** Tells a connection why it is refused (a login, a data connection), then closes it. */
  static void refuse(ControlChannel channel, RejectReason reason, String message) {
    try {
      channel.send(new Message.Rejected(reason, message));
    } catch (IOException e) {
      log.debug("could not tell {} why it was refused: {}", channel.peer(), e.toString());
    }
    channel.close();
  }

  /**
   * Shuts down in a fixed order: stop accepting clients and users, tell the clients, let spliced
   * connections finish for the grace period, then cut what is left.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    log.info("shutting down: {} clients, {} active connections", sessions.size(), active.size());
    Sockets.closeListener(controlListener, acceptThread);
    httpPort.ifPresent(SharedPort::stopAccepting);
    httpsPort.ifPresent(SharedPort::stopAccepting);
    if (ask != null) {
      ask.close();
    }
    for (ControlSession session : List.copyOf(sessions.values())) {
      session.goodbye("the server is shutting down");
    }
    try {
      if (!active.awaitDrained(limits.shutdownGrace())) {
        log.info(
            "cutting {} connections still open after the {} ms grace period",
            active.size(),
            limits.shutdownGrace().toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    active.closeAll();
    httpPort.ifPresent(SharedPort::closeConnections);
    httpsPort.ifPresent(SharedPort::closeConnections);
    timer.shutdownNow();
    closed.countDown();
    log.info("pipe server stopped");
  }
}
