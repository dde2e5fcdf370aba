package dev.pipe.client;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Limits;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pipe client} and {@code pipe visit}: logs in to the server, registers its tunnels, serves
 * their user connections, listens for its visitors' local connections, and reconnects forever
 * (unless told not to) when the connection is lost.
 */
public final class PipeClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipeClient.class);

  private final ClientConfig config;
  private final ClientListener listener;
  private final ServerDialer dialer;
  private final ActiveSplices active = new ActiveSplices();
  private final Map<String, Tunnel> tunnels = new LinkedHashMap<>();
  private final List<Visitor> visitors = new ArrayList<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile ClientSession session;

  public PipeClient(ClientConfig config, ClientListener listener) {
    this.config = config;
    this.listener = listener;
    // One id per client process lets the server replace a session whose death it has not noticed.
    this.dialer =
        new ServerDialer(
            config.server(), config.token(), ConnectionId.random().hex(), transport(config));
    for (TunnelSpec spec : config.tunnels()) {
      tunnels.put(spec.name(), new Tunnel(spec, dialer, active, listener));
    }
    for (VisitorSpec spec : config.visitors()) {
      visitors.add(new Visitor(spec, dialer, active, listener, () -> session != null));
    }
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
    for (Visitor visitor : visitors) {
      visitor.listen();
    }
    Backoff backoff = new Backoff();
    boolean everConnected = false;
    while (!isClosed()) {
      String problem;
      try {
        ServerDialer.LoggedIn login = dialer.login();
        ClientSession current = new ClientSession(login, tunnels, visitors, listener);
        session = current;
        if (isClosed()) {
          current.close("the client is shutting down");
        }
        log.info("connected to server {}", config.server());
        everConnected = true;
        current.run();
        if (current.registered()) {
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
    visitors.forEach(visitor -> rows.add(visitor.status()));
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
    visitors.forEach(Visitor::close);
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
  }
}
