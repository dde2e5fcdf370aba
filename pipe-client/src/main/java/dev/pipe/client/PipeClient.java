package dev.pipe.client;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proxy.ActiveSplices;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pipe client} and {@code pipe visit}: logs in to the server, registers its tunnels, serves
 * their user connections, listens for its visitors' local connections, and reconnects forever
 * (unless told not to) when the connection is lost. {@link #reload} changes its tunnels and
 * visitors while it runs.
 */
public final class PipeClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipeClient.class);

  private final ClientConfig config;
  private final ClientListener listener;
  private final ServerDialer dialer;
  private final ActiveSplices active = new ActiveSplices();
  private final ReentrantLock registration = new ReentrantLock();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Map<String, Tunnel> tunnels;
  private volatile Map<String, Visitor> visitors;
  private volatile ClientSession session;

  public PipeClient(ClientConfig config, ClientListener listener) {
    this.config = config;
    this.listener = listener;
    // One id per client process lets the server replace a session whose death it has not noticed.
    this.dialer =
        new ServerDialer(
            config.server(), config.token(), ConnectionId.random().hex(), transport(config));
    Map<String, Tunnel> initial = new LinkedHashMap<>();
    for (TunnelSpec spec : config.tunnels()) {
      initial.put(spec.name(), newTunnel(spec));
    }
    this.tunnels = initial;
    Map<String, Visitor> initialVisitors = new LinkedHashMap<>();
    for (VisitorSpec spec : config.visitors()) {
      initialVisitors.put(visitorKey(spec), newVisitor(spec));
    }
    this.visitors = initialVisitors;
  }

  private Tunnel newTunnel(TunnelSpec spec) {
    Tunnel tunnel = new Tunnel(spec, dialer, active, listener, this::healthChanged);
    tunnel.start();
    return tunnel;
  }

  private Visitor newVisitor(VisitorSpec spec) {
    return new Visitor(spec, dialer, active, listener, () -> session != null);
  }

  /** Visitors are told apart by their local address: two may visit the same tunnel. */
  private static String visitorKey(VisitorSpec spec) {
    return spec.bind().toString();
  }

  private static ClientTransport transport(ClientConfig config) {
    ClientTls tls = config.tls();
    if (!tls.enabled()) {
      log.warn(
          "TLS is OFF (--no-tls): the login proof and every tunnel byte cross the network in"
              + " clear; use it only on a network you trust");
      return ClientTransport.plain();
    }
    return ClientTransport.tls(
        new ServerTrust(
            config.server(),
            tls.pin(),
            tls.strict(),
            new KnownServers(tls.stateDir()),
            ServerTrust.systemTrustManager()));
  }

  /**
   * Runs on the calling thread until {@link #close()}.
   *
   * @throws ClientFailure when retrying cannot help (wrong token, every tunnel rejected, a
   *     visitor's local address taken)
   * @throws IOException when the connection is lost and reconnecting is turned off
   */
  public void run() throws ClientFailure, IOException {
    for (Visitor visitor : visitors.values()) {
      visitor.listen();
    }
    Backoff backoff = new Backoff();
    boolean everConnected = false;
    while (!isClosed()) {
      String problem;
      try {
        ServerDialer.LoggedIn login = dialer.login();
        DataConnectionPool pool =
            new DataConnectionPool(
                Math.min(config.poolSize(), login.maxPoolConnections()),
                dialer,
                login.heartbeatInterval(),
                () -> tunnels);
        ClientSession current =
            new ClientSession(login, () -> tunnels, () -> visitors, registration, listener, pool);
        session = current;
        if (isClosed()) {
          current.close("the client is shutting down");
        }
        log.info("connected to server {}", config.server());
        everConnected = true;
        current.run();
        // The server closed our UDP ports with the session; their sessions are gone with them.
        tunnels.values().forEach(Tunnel::closeDatagrams);
        if (current.accepted()) {
          backoff.reset();
        }
        problem = current.endReason();
        session = null;
        reportOffline(problem);
      } catch (IOException e) {
        problem =
            (everConnected ? "cannot reach server " : "cannot connect to server ")
                + config.server()
                + ": "
                + e.getMessage();
      }
      if (isClosed()) {
        return;
      }
      if (!config.reconnect()) {
        throw new IOException(problem + " (reconnecting is off)");
      }
      Duration delay = backoff.next();
      log.warn("{}; reconnecting in {} ms", problem, delay.toMillis());
      try {
        stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Runs with the tunnels and visitors of {@code next} from now on: added tunnels open, removed
   * ones stop, changed ones stop and open again (a relay tunnel's reservation too); an unchanged
   * tunnel is not touched, and keeps every connection. Visitors likewise: a removed or changed one
   * stops listening, an added or changed one starts. Connections in flight through a removed or
   * changed tunnel or visitor run to their end.
   *
   * @return the settings that changed but take effect only after a restart (server, token, TLS,
   *     status, reconnect)
   */
  public List<String> reload(ClientConfig next) {
    List<String> restartOnly = restartOnly(next);
    List<String> added = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    registration.lock();
    try {
      Map<String, Tunnel> before = tunnels;
      Map<String, Tunnel> after = new LinkedHashMap<>();
      List<Tunnel> toOpen = new ArrayList<>();
      for (TunnelSpec spec : next.tunnels()) {
        Tunnel kept = before.get(spec.name());
        if (kept != null && kept.spec().equals(spec)) {
          after.put(spec.name(), kept);
          continue;
        }
        (kept == null ? added : changed).add(spec.name());
        Tunnel fresh = newTunnel(spec);
        after.put(spec.name(), fresh);
        toOpen.add(fresh);
      }
      before.keySet().stream().filter(name -> !after.containsKey(name)).forEach(removed::add);
      ClientSession current = session;
      boolean live = current != null && current.registered();
      for (String name : before.keySet()) {
        if (after.get(name) != before.get(name)) {
          before.get(name).stop();
          if (live) {
            current.stop(name, removed.contains(name) ? "removed by a reload" : "changed");
          }
        }
      }
      tunnels = after;
      if (live) {
        for (Tunnel tunnel : toOpen) {
          try {
            current.open(tunnel);
          } catch (IOException e) {
            // The session is ending; the next one registers every tunnel of the new map.
            log.debug("could not register tunnel {}: {}", tunnel.spec().name(), e.toString());
          }
        }
      }
      reloadVisitors(next, live);
    } finally {
      registration.unlock();
    }
    log.info(
        "config reloaded: tunnels added {}, changed {}, removed {}, {} unchanged; {} visitors{}",
        added,
        changed,
        removed,
        tunnels.size() - added.size() - changed.size(),
        visitors.size(),
        restartOnly.isEmpty()
            ? ""
            : "; changed but waiting for a restart: " + String.join(", ", restartOnly));
    return restartOnly;
  }

  /**
   * Stops the visitors {@code next} removed or changed, then starts the ones it added or changed
   * (in that order, so that a changed visitor can bind its address again). A visitor whose address
   * is taken is left out, and the log says so; the next reload tries it again.
   */
  private void reloadVisitors(ClientConfig next, boolean connected) {
    Map<String, Visitor> before = visitors;
    Map<String, Visitor> after = new LinkedHashMap<>();
    List<VisitorSpec> toStart = new ArrayList<>();
    for (VisitorSpec spec : next.visitors()) {
      Visitor kept = before.get(visitorKey(spec));
      if (kept != null && kept.spec().equals(spec)) {
        after.put(visitorKey(spec), kept);
      } else {
        toStart.add(spec);
      }
    }
    before.forEach(
        (key, visitor) -> {
          if (after.get(key) != visitor) {
            visitor.close();
          }
        });
    for (VisitorSpec spec : toStart) {
      Visitor fresh = newVisitor(spec);
      try {
        fresh.listen();
      } catch (ClientFailure e) {
        log.warn("config reload: {}; the other visitors and tunnels run on", e.getMessage());
        continue;
      }
      after.put(visitorKey(spec), fresh);
      if (connected) {
        listener.visitorReady(spec, fresh.port());
      }
    }
    visitors = after;
  }

  private List<String> restartOnly(ClientConfig next) {
    List<String> keys = new ArrayList<>();
    if (!config.server().equals(next.server())) {
      keys.add("server");
    }
    if (!config.token().sameAs(next.token())) {
      keys.add("token");
    }
    if (!config.tls().equals(next.tls())) {
      keys.add("tls, server_fingerprint, strict, state_dir");
    }
    if (!config.status().equals(next.status())) {
      keys.add("status");
    }
    if (config.reconnect() != next.reconnect()) {
      keys.add("reconnect");
    }
    return keys;
  }

  /** A tunnel's local side went down or came back: the server moves it out of or into rotation. */
  private void healthChanged(Tunnel tunnel, boolean healthy, String reason) {
    if (tunnels.get(tunnel.spec().name()) != tunnel) {
      return;
    }
    listener.tunnelHealth(tunnel.spec(), healthy, reason);
    ClientSession current = session;
    // A relay tunnel has no rotation to leave: an unreachable service refuses each circuit itself.
    if (current != null && tunnel.state() == TunnelState.READY && tunnel.relayKeys().isEmpty()) {
      current.sendQuietly(new Message.TunnelHealth(tunnel.spec().name(), healthy, reason));
    }
  }

  /** Tells which open tunnels went offline with the connection; a stop on request is no news. */
  private void reportOffline(String problem) {
    if (isClosed()) {
      return;
    }
    for (Tunnel tunnel : tunnels.values()) {
      if (tunnel.offline(problem)) {
        listener.tunnelOffline(tunnel.spec(), problem);
      }
    }
  }

  /** A snapshot for {@code pipe status}: the tunnels, then the visitors. */
  public ClientStatus status() {
    List<TunnelStatus> rows = new ArrayList<>();
    tunnels.values().forEach(tunnel -> rows.add(tunnel.status()));
    visitors.values().forEach(visitor -> rows.add(visitor.status()));
    return new ClientStatus(
        config.server().toString(), session != null, PipeVersion.software(), rows);
  }

  private boolean isClosed() {
    return stopped.getCount() == 0;
  }

  /**
   * Says goodbye to the server (which then stops accepting users for our tunnels), lets the
   * connections in flight finish for a grace period, then cuts the rest.
   */
  @Override
  public void close() {
    if (isClosed()) {
      return;
    }
    stopped.countDown();
    tunnels.values().forEach(Tunnel::stop);
    visitors.values().forEach(Visitor::close);
    ClientSession current = session;
    if (current != null) {
      current.close("the client is shutting down");
    }
    try {
      active.awaitDrained(Limits.SHUTDOWN_GRACE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    active.closeAll();
    tunnels.values().forEach(Tunnel::closeDatagrams);
  }
}
