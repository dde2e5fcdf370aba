package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Bandwidth;
import dev.pipe.proxy.ProxyProtocol;
import java.util.Objects;
import java.util.Optional;

/**
 * One tunnel as the user configured it: the local service to expose, the public port to ask for (0:
 * any free port the server allows) or, for http and https tunnels, the names, an optional bandwidth
 * limit, the source addresses the server should let in, and whether the local service is told who
 * each user is with a PROXY protocol header.
 */
public record TunnelSpec(
    String name,
    TunnelType type,
    HostPort local,
    int remotePort,
    Optional<Bandwidth> bandwidth,
    SourceFilter sources,
    WebOptions web,
    Optional<ProxyProtocol> proxyProtocol) {
  public TunnelSpec {
    TunnelName.check(name);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(bandwidth, "bandwidth");
    Objects.requireNonNull(sources, "sources");
    Objects.requireNonNull(web, "web");
    Objects.requireNonNull(proxyProtocol, "proxyProtocol");
    if (remotePort < 0 || remotePort > 65_535) {
      throw new IllegalArgumentException("remote port " + remotePort + " is outside 0-65535");
    }
    switch (type) {
      case TCP -> {
        if (!web.isEmpty()) {
          throw new IllegalArgumentException(
              "subdomains, custom domains, basic auth and Host rewrites are for http and https"
                  + " tunnels; this one is tcp");
        }
      }
      case HTTP, HTTPS -> {
        if (remotePort != 0) {
          throw new IllegalArgumentException(
              type.wireName()
                  + " tunnels are reached by name on the server's shared port, not by a port of"
                  + " their own; drop the remote port");
        }
        if (type == TunnelType.HTTPS && (web.auth().isPresent() || !web.hostHeader().isEmpty())) {
          throw new IllegalArgumentException(
              "basic auth and a Host rewrite need the server to read HTTP, and an https tunnel"
                  + " stays encrypted to the local service; use an http tunnel for them");
        }
      }
    }
  }

  /** A tunnel without limits on bandwidth or sources. */
  public TunnelSpec(String name, TunnelType type, HostPort local, int remotePort) {
    this(name, type, local, remotePort, Optional.empty(), SourceFilter.ANY);
  }

  /** A tcp tunnel with limits; it tells its local service nothing about its users. */
  public TunnelSpec(
      String name,
      TunnelType type,
      HostPort local,
      int remotePort,
      Optional<Bandwidth> bandwidth,
      SourceFilter sources) {
    this(name, type, local, remotePort, bandwidth, sources, WebOptions.NONE, Optional.empty());
  }

  /** The name a tunnel gets when the user gives none: its type and local port, like tcp-3000. */
  public static String defaultName(TunnelType type, HostPort local) {
    return type.wireName() + "-" + local.port();
  }
}
