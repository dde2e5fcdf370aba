package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Bandwidth;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One tunnel as the user configured it: the local service to expose, the public port to ask for (0:
 * any free port the server allows), an optional bandwidth limit, the source addresses the server
 * should let in, and how it balances its load ({@link Balancing}).
 */
public record TunnelSpec(
    String name,
    TunnelType type,
    HostPort local,
    int remotePort,
    Optional<Bandwidth> bandwidth,
    SourceFilter sources,
    Balancing balancing) {
  public TunnelSpec {
    TunnelName.check(name);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(bandwidth, "bandwidth");
    Objects.requireNonNull(sources, "sources");
    Objects.requireNonNull(balancing, "balancing");
    if (remotePort < 0 || remotePort > 65_535) {
      throw new IllegalArgumentException("remote port " + remotePort + " is outside 0-65535");
    }
  }

  /** A tunnel alone on its port with one local target. */
  public TunnelSpec(
      String name,
      TunnelType type,
      HostPort local,
      int remotePort,
      Optional<Bandwidth> bandwidth,
      SourceFilter sources) {
    this(name, type, local, remotePort, bandwidth, sources, Balancing.NONE);
  }

  /** A tunnel without limits on bandwidth or sources. */
  public TunnelSpec(String name, TunnelType type, HostPort local, int remotePort) {
    this(name, type, local, remotePort, Optional.empty(), SourceFilter.ANY);
  }

  /** The same tunnel balanced another way. */
  public TunnelSpec withBalancing(Balancing balancing) {
    return new TunnelSpec(name, type, local, remotePort, bandwidth, sources, balancing);
  }

  /** Every local target: {@code local} first, then the others. */
  public List<HostPort> targets() {
    List<HostPort> all = new ArrayList<>(List.of(local));
    all.addAll(balancing.moreTargets());
    return List.copyOf(all);
  }

  /** The name a tunnel gets when the user gives none: its type and local port, like tcp-3000. */
  public static String defaultName(TunnelType type, HostPort local) {
    return type.wireName() + "-" + local.port();
  }
}
