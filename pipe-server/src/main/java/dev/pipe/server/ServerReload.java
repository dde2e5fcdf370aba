package dev.pipe.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reloaded server config may change while the server runs, and what only a restart changes.
 * Users (with the names their http and https tunnels may claim) and the limits that are read per
 * request or per connection take effect at once, the http ones included (the header and idle
 * timeouts, the request head bounds) and the relay's (they are read per reservation and per
 * circuit, so reservations and circuits made before the reload keep theirs); the listeners, TLS,
 * the admin port, the http settings (domain, http and https ports, the ask port, trusted proxies)
 * and the limits that size structures built at start (the pending-connection pool, the login-ban
 * tables, the unauthenticated-connection and http-connection pools) need a restart, which the
 * reload says.
 *
 * @param limits the limits to run with from now on: the new live ones, the old restart-only ones
 * @param restartOnly a line for each changed setting that waits for a restart
 */
record ServerReload(ServerLimits limits, List<String> restartOnly) {

  static ServerReload between(ServerConfig old, ServerConfig next) {
    List<String> restart = new ArrayList<>();
    differs(restart, "bind", old.bindAddress(), next.bindAddress());
    differs(restart, "port", old.port(), next.port());
    differs(restart, "tls, tls_cert, tls_key, state_dir", old.tls(), next.tls());
    differs(restart, "stats_interval", old.statsInterval(), next.statsInterval());
    if (!sameAdmin(old.admin(), next.admin())) {
      restart.add("admin settings");
    }
    differs(
        restart,
        "domain, http_bind, http_port, https_port, public_https, ask_port, trusted_proxies",
        old.http(),
        next.http());
    ServerLimits was = old.limits();
    ServerLimits now = next.limits();
    differs(restart, "pending_timeout", was.pendingTimeout(), now.pendingTimeout());
    differs(
        restart,
        "max_unauthenticated_connections",
        was.maxUnauthenticatedConnections(),
        now.maxUnauthenticatedConnections());
    differs(
        restart,
        "max_unauthenticated_per_source",
        was.maxUnauthenticatedPerSource(),
        now.maxUnauthenticatedPerSource());
    differs(
        restart,
        "max_pending_connections",
        was.maxPendingConnections(),
        now.maxPendingConnections());
    differs(
        restart,
        "login_failures_before_ban",
        was.loginFailuresBeforeBan(),
        now.loginFailuresBeforeBan());
    differs(restart, "login_failure_window", was.loginFailureWindow(), now.loginFailureWindow());
    differs(restart, "ban_duration", was.banDuration(), now.banDuration());
    differs(restart, "max_http_connections", was.maxHttpConnections(), now.maxHttpConnections());
    differs(
        restart,
        "max_http_connections_per_source",
        was.maxHttpConnectionsPerSource(),
        now.maxHttpConnectionsPerSource());
    differs(
        restart,
        "http_auth_failures_before_ban",
        was.httpAuthFailuresBeforeBan(),
        now.httpAuthFailuresBeforeBan());
    ServerLimits live =
        new ServerLimits(
            now.handshakeTimeout(),
            now.heartbeatInterval(),
            was.pendingTimeout(),
            now.shutdownGrace(),
            was.maxUnauthenticatedConnections(),
            was.maxUnauthenticatedPerSource(),
            now.maxClients(),
            now.maxTunnelsPerClient(),
            now.maxConnectionsPerTunnel(),
            was.maxPendingConnections(),
            now.maxPoolPerClient(),
            now.maxGroupMembers(),
            now.maxFrameBytes(),
            was.loginFailuresBeforeBan(),
            was.loginFailureWindow(),
            was.banDuration(),
            now.httpHeaderTimeout(),
            now.httpIdleTimeout(),
            now.maxHttpHeaderBytes(),
            now.maxHttpHeaderLines(),
            was.maxHttpConnections(),
            was.maxHttpConnectionsPerSource(),
            was.httpAuthFailuresBeforeBan(),
            now.relay());
    return new ServerReload(live, List.copyOf(restart));
  }

  private static void differs(List<String> restart, String keys, Object was, Object now) {
    if (!Objects.equals(was, now)) {
      restart.add(keys);
    }
  }

  private static boolean sameAdmin(AdminSettings a, AdminSettings b) {
    return a.enabled() == b.enabled()
        && a.bindAddress().equals(b.bindAddress())
        && a.port() == b.port()
        && a.user().equals(b.user())
        && a.token().sameAs(b.token())
        && a.password().sameAs(b.password());
  }
}
