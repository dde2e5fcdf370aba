package dev.pipe.server;

import dev.pipe.proto.TunnelType;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An http or https tunnel: reached by its names on the server's shared HTTP or HTTPS port rather
 * than by a port of its own ({@link HostRoutes} holds the names). An http tunnel may also have the
 * server check basic auth and rewrite the Host header, and keeps its data connections that carried
 * a whole response idle for the next user ({@link IdleUpstreams}). While its client's health check
 * finds the local service down, it takes no new users: the HTTP port answers 503, the HTTPS port
 * closes the connection.
 */
final class NamedTunnel implements PublicEndpoint, StreamTunnel {
  private final ControlSession owner;
  private final TunnelInfo info;
  private final TunnelUsers users;
  private final Optional<BasicAuth> auth;
  private final Optional<String> hostHeader;
  private final boolean onePerUser;
  private final IdleUpstreams idle = new IdleUpstreams();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean healthy = true;

  /**
   * @param hostHeader the Host header its local service expects instead of the name users asked for
   * @param onePerUser the client writes a PROXY protocol header per data connection, so a data
   *     connection carries the requests of one user address only
   */
  NamedTunnel(
      ControlSession owner,
      TunnelInfo info,
      TunnelUsers users,
      Optional<BasicAuth> auth,
      Optional<String> hostHeader,
      boolean onePerUser) {
    this.owner = owner;
    this.info = info;
    this.users = users;
    this.auth = auth;
    this.hostHeader = hostHeader;
    this.onePerUser = onePerUser;
  }

  @Override
  public ControlSession owner() {
    return owner;
  }

  @Override
  public TunnelInfo info() {
    return info;
  }

  @Override
  public TunnelUsers users() {
    return users;
  }

  /** The port it shares with the other tunnels of its type. */
  @Override
  public int port() {
    return info.port();
  }

  /** Its names route users from the moment {@link HostRoutes} gave them: nothing to start. */
  @Override
  public void start() {
    // HostRoutes.open made it reachable already.
  }

  @Override
  public String describe() {
    return String.join(", ", hosts());
  }

  @Override
  public boolean health(boolean nowHealthy) {
    boolean before = healthy;
    healthy = nowHealthy;
    return before != nowHealthy;
  }

  /** False while the client's health check finds the local service down, or once closed. */
  boolean healthy() {
    return healthy && !closed.get();
  }

  @Override
  public void cutConnections() {
    users.cutConnections();
  }

  Optional<BasicAuth> auth() {
    return auth;
  }

  Optional<String> hostHeader() {
    return hostHeader;
  }

  boolean onePerUser() {
    return onePerUser;
  }

  /** Its data connections that wait for the next user connection (http tunnels). */
  IdleUpstreams idle() {
    return idle;
  }

  TunnelType type() {
    return info.type();
  }

  /** Its names, the subdomain first. */
  List<String> hosts() {
    return info.hosts();
  }

  /** Marks it closed and closes its idle data connections; true for the call that did. */
  boolean close() {
    idle.closeAll();
    return closed.compareAndSet(false, true);
  }
}
