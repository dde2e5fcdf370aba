package dev.pipe.client;

import com.google.common.util.concurrent.RateLimiter;
import dev.pipe.balance.Picker;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.RateLimitedInputStream;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import dev.pipe.proxy.Traffic;
import dev.pipe.relay.RelayKeys;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configured tunnel at run time. A TCP, http or https tunnel serves each user connection the
 * server announces by dialing a local target (writing a PROXY protocol header first, if asked) and
 * a data connection, and splicing the two; a UDP tunnel hands its data connection to its {@link
 * DatagramTunnel}. A relay tunnel serves each visitor's circuit like a TCP user connection, but
 * splices through the end-to-end encryption, after a handshake that proves the visitor holds the
 * tunnel's secret. With several targets it picks a healthy one by the tunnel's strategy, and tries
 * the next if the dial fails. Its bandwidth limit is shared by all its connections, one limiter per
 * direction. With a health check it checks every target on its own virtual thread and reports when
 * the tunnel as a whole (any target up) changes. It also keeps the tunnel's state and traffic for
 * {@code pipe status}.
 */
final class Tunnel {
  private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

  private final TunnelSpec spec;
  private final ServerDialer dialer;
  private final ActiveSplices active;
  private final ClientListener listener;
  private final Optional<RelayKeys> relayKeys;
  private final RateLimiter upload;
  private final RateLimiter download;
  private final Traffic traffic = new Traffic();
  private final Optional<DatagramTunnel> datagrams;
  private final List<Target> targets;
  private final Picker picker;
  private final HealthListener healthListener;
  private volatile boolean healthy = true;
  private volatile String healthDetail = "";
  private volatile Thread checker;
  private volatile TunnelState state = TunnelState.CONNECTING;
  private volatile String detail = "";
  private volatile int remotePort;
  private volatile List<String> urls = List.of();

  /** Hears when a tunnel's local side turns healthy (some target up) or unhealthy (none). */
  interface HealthListener {
    void healthChanged(Tunnel tunnel, boolean healthy, String reason);
  }

  Tunnel(
      TunnelSpec spec,
      ServerDialer dialer,
      ActiveSplices active,
      ClientListener listener,
      HealthListener health) {
    this.spec = spec;
    this.dialer = dialer;
    this.active = active;
    this.listener = listener;
    this.relayKeys =
        spec.type() == TunnelType.RELAY
            ? Optional.of(RelayKeys.derive(spec.name(), spec.secret()))
            : Optional.empty();
    this.healthListener = health;
    HealthCheck check = spec.balancing().healthCheck().orElse(HealthCheck.of(HealthCheck.Kind.TCP));
    this.targets =
        spec.targets().stream()
            .map(
                address ->
                    new Target(address, new HealthState(check.failures(), check.successes())))
            .toList();
    this.picker = spec.balancing().strategy().newPicker();
    this.upload = spec.bandwidth().map(bandwidth -> bandwidth.newLimiter()).orElse(null);
    this.download = spec.bandwidth().map(bandwidth -> bandwidth.newLimiter()).orElse(null);
    this.datagrams =
        spec.udp().map(udp -> new DatagramTunnel(spec, udp, dialer, upload, download, traffic));
  }

  TunnelSpec spec() {
    return spec;
  }

  TunnelState state() {
    return state;
  }

  /** The keys of a relay tunnel; empty for a tunnel with a public port. */
  Optional<RelayKeys> relayKeys() {
    return relayKeys;
  }

  /** False while a health check finds every local target down. */
  boolean healthy() {
    return healthy;
  }

  /** Why the tunnel is unhealthy, for the server's log; empty while healthy. */
  String healthDetail() {
    return healthDetail;
  }

  /** Starts the health checks, if the tunnel has any. */
  void start() {
    spec.balancing()
        .healthCheck()
        .ifPresent(
            check ->
                checker =
                    Thread.ofVirtual()
                        .name("health-" + spec.name())
                        .start(() -> checkForever(check)));
  }

  /** Stops the health checks; connections in flight go on. */
  void stop() {
    Thread running = checker;
    if (running != null) {
      running.interrupt();
    }
  }

  private void checkForever(HealthCheck check) {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        for (Target target : targets) {
          checkOnce(check, target);
        }
        Thread.sleep(check.interval());
      }
    } catch (InterruptedException e) {
      // stop() ends the checks: the tunnel was removed or the client is closing.
    }
  }

  private void checkOnce(HealthCheck check, Target target) {
    Optional<String> failure = HealthProbe.check(check, target.address());
    Optional<Boolean> changed = target.health().record(failure.isEmpty());
    if (changed.isEmpty()) {
      return;
    }
    if (changed.get()) {
      log.info("tunnel {}: local target {} is healthy again", spec.name(), target);
    } else {
      log.warn(
          "tunnel {}: local target {} is unhealthy after {} failed checks: {}",
          spec.name(),
          target,
          check.failures(),
          failure.orElse(""));
    }
    boolean anyUp = targets.stream().anyMatch(Target::healthy);
    if (anyUp != healthy) {
      healthy = anyUp;
      healthDetail = anyUp ? "" : failure.orElse("every local target is down");
      healthListener.healthChanged(this, anyUp, anyUp ? "a local target is up" : healthDetail);
    }
  }

  void ready(int port) {
    remotePort = port;
    moveTo(TunnelState.READY, "");
  }

  void readyAt(List<String> addresses, String notice) {
    urls = List.copyOf(addresses);
    moveTo(TunnelState.READY, notice);
  }

  void rejected(String reason) {
    moveTo(TunnelState.REJECTED, reason);
  }

  void closedByServer(String reason) {
    moveTo(TunnelState.CLOSED, reason);
  }

  /** The connection to the server ended; true if the tunnel was open until now. */
  boolean offline(String reason) {
    if (state != TunnelState.READY) {
      return false;
    }
    moveTo(TunnelState.OFFLINE, reason);
    return true;
  }

  private void moveTo(TunnelState next, String why) {
    detail = why;
    state = next;
  }

  TunnelStatus status() {
    return new TunnelStatus(
        spec.name(),
        spec.type().wireName(),
        spec.local().toString(),
        remotePort,
        urls,
        state.label(),
        detail,
        traffic.connectionsActive(),
        traffic.connectionsTotal(),
        traffic.bytesIn(),
        traffic.bytesOut());
  }

  /**
   * Serves what the server announced with an Exchange: one user connection of a TCP, http or https
   * tunnel, one visitor's circuit of a relay tunnel, or the data connection of a UDP tunnel. Runs
   * on its own virtual thread.
   */
  void serve(ConnectionId id, UserAddresses user, ClientSession session) {
    switch (spec.type()) {
      case TCP, HTTP, HTTPS, RELAY -> serveConnection(id, user, session);
      case UDP -> datagrams.orElseThrow().serve(id);
    }
  }

  /** Ends what outlives a control connection: a UDP tunnel's data connection and its sessions. */
  void closeDatagrams() {
    datagrams.ifPresent(DatagramTunnel::close);
  }

  /** Serves one user connection: dials a local target and a data connection, then splices them. */
  private void serveConnection(ConnectionId id, UserAddresses user, ClientSession session) {
    Dialed local;
    try {
      local = dialLocal(user);
    } catch (IOException e) {
      log.warn("tunnel {}: {}; closing user connection id={}", spec.name(), e.getMessage(), id);
      session.sendQuietly(new Message.ExchangeFailed(id, e.getMessage()));
      return;
    }
    Socket data;
    try {
      data = dialer.openData(id);
    } catch (IOException | ClientFailure e) {
      Sockets.closeQuietly(local.socket());
      local.target().connectionClosed();
      log.warn(
          "tunnel {}: data connection for id={} to server {} failed: {}",
          spec.name(),
          id,
          dialer.server(),
          e.getMessage());
      return;
    }
    carry(id, local, data);
  }

  /**
   * Serves one user connection of a TCP, http or https tunnel that the server assigned to a pooled
   * data connection, which carries the user's bytes already (relay circuits and UDP tunnels never
   * come this way): dials a local target and splices. Closing the data connection is how a failure
   * reaches the user. Runs on its own virtual thread.
   */
  void serveAssigned(ConnectionId id, UserAddresses user, Socket data) {
    Dialed local;
    try {
      local = dialLocal(user);
    } catch (IOException e) {
      log.warn("tunnel {}: {}; closing user connection id={}", spec.name(), e.getMessage(), id);
      Sockets.closeQuietly(data);
      return;
    }
    carry(id, local, data);
  }

  /** A local target, connected. */
  private record Dialed(Target target, Socket socket) {}

  /**
   * Connects to a healthy target picked by the tunnel's strategy, trying the next one when a dial
   * fails, and tells it who the user is if the tunnel writes a PROXY protocol header; the
   * exception's message says why no target could be reached.
   */
  private Dialed dialLocal(UserAddresses user) throws IOException {
    List<Target> left = new ArrayList<>(targets);
    String reason = "every local target is down (health check)";
    while (true) {
      Optional<Target> target = pick(left, user.user());
      if (target.isEmpty()) {
        throw new IOException(reason);
      }
      left.remove(target.get());
      Socket local = new Socket();
      try {
        Sockets.tune(local);
        local.connect(
            target.get().address().toAddress(),
            Math.toIntExact(Limits.LOCAL_CONNECT_TIMEOUT.toMillis()));
        if (spec.proxyProtocol().isPresent()) {
          local
              .getOutputStream()
              .write(spec.proxyProtocol().get().header(user.source(), user.destination()));
        }
      } catch (IOException e) {
        Sockets.closeQuietly(local);
        reason = "local service " + target.get() + " is unreachable (" + e.getMessage() + ")";
        continue;
      }
      target.get().connectionOpened();
      return new Dialed(target.get(), local);
    }
  }

  /** A healthy target among {@code left}, by the tunnel's strategy. */
  private Optional<Target> pick(List<Target> left, InetAddress user) {
    List<Target> healthyTargets = left.stream().filter(Target::healthy).toList();
    if (healthyTargets.isEmpty()) {
      return Optional.empty();
    }
    synchronized (picker) {
      return Optional.of(picker.pick(healthyTargets, user));
    }
  }

  private void carry(ConnectionId id, Dialed dialed, Socket data) {
    if (relayKeys.isPresent()) {
      serveCircuit(id, dialed, data, relayKeys.get());
      return;
    }
    Socket local = dialed.socket();
    traffic.connectionOpened();
    try {
      Splice.Result result =
          active.run(
              Splice.Side.of(local, throttled(local.getInputStream(), upload))
                  .counting(traffic.out()),
              Splice.Side.of(data, throttled(data.getInputStream(), download))
                  .counting(traffic.in()),
              "splice-" + spec.name());
      log.debug(
          "tunnel {} connection id={} closed: {} bytes up, {} bytes down",
          spec.name(),
          id,
          result.aToB(),
          result.bToA());
    } catch (IOException e) {
      log.debug("tunnel {} connection id={} failed: {}", spec.name(), id, e.toString());
      Sockets.closeQuietly(local);
      Sockets.closeQuietly(data);
    } finally {
      traffic.connectionClosed();
      dialed.target().connectionClosed();
    }
  }

  /** Serves one visitor's circuit: the encrypted handshake, then the splice through it. */
  private void serveCircuit(ConnectionId id, Dialed dialed, Socket data, RelayKeys keys) {
    Socket local = dialed.socket();
    SealedCircuit circuit;
    try {
      circuit = SealedCircuit.provider(data, keys, id, in -> throttled(in, download));
    } catch (IOException e) {
      listener.circuitBroken(spec.name(), "circuit id=" + id + " refused: " + e.getMessage());
      Sockets.closeQuietly(local);
      Sockets.closeQuietly(data);
      dialed.target().connectionClosed();
      return;
    }
    traffic.connectionOpened();
    try {
      active.run(
          Splice.Side.of(local, throttled(local.getInputStream(), upload)).counting(traffic.out()),
          circuit.side().counting(traffic.in()),
          "circuit-" + spec.name());
    } catch (IOException e) {
      log.debug("tunnel {} circuit id={} failed: {}", spec.name(), id, e.toString());
      Sockets.closeQuietly(local);
      Sockets.closeQuietly(data);
    } finally {
      traffic.connectionClosed();
      dialed.target().connectionClosed();
    }
    CircuitReports.ended(log, listener, spec.name(), id, circuit);
  }

  private static InputStream throttled(InputStream in, RateLimiter limiter) {
    return limiter == null ? in : new RateLimitedInputStream(in, limiter);
  }
}
