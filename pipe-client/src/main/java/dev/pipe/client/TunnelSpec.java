package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Bandwidth;
import java.util.Objects;
import java.util.Optional;

/**
 * One tunnel as the user configured it: the local service to expose, the public port to ask for (0:
 * any free port the server allows), an optional bandwidth limit, and the source addresses the
 * server should let in. A relay tunnel has no public port and no source lists: it has a secret
 * instead, which its visitors must hold.
 */
public record TunnelSpec(
    String name,
    TunnelType type,
    HostPort local,
    int remotePort,
    Optional<Bandwidth> bandwidth,
    SourceFilter sources,
    Secret secret) {
  public TunnelSpec {
    TunnelName.check(name);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(bandwidth, "bandwidth");
    Objects.requireNonNull(sources, "sources");
    Objects.requireNonNull(secret, "secret");
    if (remotePort < 0 || remotePort > 65_535) {
      throw new IllegalArgumentException("remote port " + remotePort + " is outside 0-65535");
    }
    if (type == TunnelType.RELAY) {
      RelaySecrets.check("relay tunnel " + name, secret);
      if (remotePort != 0) {
        throw new IllegalArgumentException(
            "relay tunnel "
                + name
                + " opens no public port: drop its remote port (visitors reach it with pipe"
                + " visit)");
      }
      if (!sources.equals(SourceFilter.ANY)) {
        throw new IllegalArgumentException(
            "relay tunnel "
                + name
                + " has no public port for source lists to guard: its secret decides who may"
                + " visit it");
      }
    } else if (!secret.isEmpty()) {
      throw new IllegalArgumentException(
          "tunnel " + name + " has a secret, which only a relay tunnel uses (type = \"relay\")");
    }
  }

  /** A tunnel without a secret, which is any kind but a relay tunnel. */
  public TunnelSpec(
      String name,
      TunnelType type,
      HostPort local,
      int remotePort,
      Optional<Bandwidth> bandwidth,
      SourceFilter sources) {
    this(name, type, local, remotePort, bandwidth, sources, Secret.none());
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
