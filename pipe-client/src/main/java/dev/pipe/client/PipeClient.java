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
 * {@code pipe client}: logs in to the server, registers its tunnels, serves their user connections,
 * and reconnects forever (unless told not to) when the connection is lost. {@link #reload} changes
 * its tunnels while it runs.
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
  }

  private Tunnel newTunnel(TunnelSpec spec) {
    Tunnel tunnel = new Tunnel(spec, dialer, active, this::healthChanged);
    tunnel.start();
    return tunnel;
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
   * @throws ClientFailure when retrying cannot help (wrong token, every tunnel rejected)
   * @throws IOException when the connection is lost and reconnecting is turned off
   */
  public void run() throws ClientFailure, IOException {
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
            new ClientSession(login, () -> tunnels, registration, listener, pool);
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
   * Runs with the tunnels of {@code next} from now on: added tunnels open, removed ones stop,
   * changed ones stop and open again; an unchanged tunnel is not touched, and keeps every
   * connection. Connections in flight through a removed or changed tunnel run to their end.
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
    } finally {
      registration.unlock();
    }
    log.info(
        "config reloaded: tunnels added {}, changed {}, removed {}, {} unchanged{}",
        added,
        changed,
        removed,
        tunnels.size() - added.size() - changed.size(),
        restartOnly.isEmpty()
            ? ""
            : "; changed but waiting for a restart: " + String.join(", ", restartOnly));
    return restartOnly;
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
    if (current != null && tunnel.state() == TunnelState.READY) {
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

  /** A snapshot for {@code pipe status}. */
  public ClientStatus status() {
    return new ClientStatus(
        config.server().toString(),
        session != null,
        PipeVersion.software(),
        tunnels.values().stream().map(Tunnel::status).toList());
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
