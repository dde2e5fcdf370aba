package dev.pipe.server;

import dev.pipe.proto.TunnelType;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An http or https tunnel: reached by its names on the server's shared HTTP or HTTPS port rather
 * than by a port of its own. An http tunnel may also have the server check basic auth and rewrite
 * the Host header.
 *
 * @param hostHeader the Host header its local service expects instead of the name users asked for
 * @param onePerUser the client writes a PROXY protocol header per data connection, so a data
 *     connection carries the requests of one user address only
 * @param idle its data connections that wait for the next user connection (http tunnels)
 */
record NamedTunnel(
    ControlSession owner,
    TunnelInfo info,
    TunnelUsers users,
    Optional<BasicAuth> auth,
    Optional<String> hostHeader,
    boolean onePerUser,
    IdleUpstreams idle,
    AtomicBoolean closed)
    implements OpenTunnel {

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
