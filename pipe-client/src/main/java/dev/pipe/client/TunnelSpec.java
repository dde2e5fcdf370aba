package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Bandwidth;
import java.util.Objects;
import java.util.Optional;

/**
 * One tunnel as the user configured it: the local service to expose, the public port to ask for (0:
 * any free port the server allows), an optional bandwidth limit, and the source addresses the
 * server should let in.
 */
public record TunnelSpec(
    String name,
    TunnelType type,
    HostPort local,
    int remotePort,
    Optional<Bandwidth> bandwidth,
    SourceFilter sources) {
  public TunnelSpec {
    TunnelName.check(name);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(bandwidth, "bandwidth");
    Objects.requireNonNull(sources, "sources");
    if (remotePort < 0 || remotePort > 65_535) {
      throw new IllegalArgumentException("remote port " + remotePort + " is outside 0-65535");
    }
  }

  /** A tunnel without limits on bandwidth or sources. */
  public TunnelSpec(String name, TunnelType type, HostPort local, int remotePort) {
    this(name, type, local, remotePort, Optional.empty(), SourceFilter.ANY);
  }

  /** The name a tunnel gets when the user gives none: its type and local port, like tcp-3000. */
  public static String defaultName(TunnelType type, HostPort local) {
    return type.wireName() + "-" + local.port();
  }
}
