package dev.pipe.client;

import dev.pipe.config.Durations;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proto.UdpSessions;
import dev.pipe.proxy.Bandwidth;
import dev.pipe.proxy.ProxyProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One tunnel as the user configured it: the local service to expose, the public port to ask for (0:
 * any free port the server allows) or, for http and https tunnels, the names ({@link WebOptions}),
 * an optional bandwidth limit, the source addresses the server should let in, how it balances its
 * load ({@link Balancing}), and whether the local service is told who each user is with a PROXY
 * protocol header. A UDP tunnel also says how its peers' sessions are kept; it has one local
 * target, no group, no health check and no PROXY protocol header. A TCP tunnel has no sessions.
 * Http and https tunnels may balance over several local targets with health checks, but join no
 * group: a group shares one public port, and they are reached by name on the server's shared port.
 * A relay tunnel has no public port, no source lists, no group and no PROXY protocol header: it has
 * a secret instead, which its visitors must hold.
 */
public record TunnelSpec(
    String name,
    TunnelType type,
    HostPort local,
    int remotePort,
    Optional<Bandwidth> bandwidth,
    SourceFilter sources,
    Balancing balancing,
    Optional<UdpSessions> udp,
    WebOptions web,
    Optional<ProxyProtocol> proxyProtocol,
    Secret secret) {
  public TunnelSpec {
    TunnelName.check(name);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(bandwidth, "bandwidth");
    Objects.requireNonNull(sources, "sources");
    Objects.requireNonNull(balancing, "balancing");
    Objects.requireNonNull(udp, "udp");
    Objects.requireNonNull(web, "web");
    Objects.requireNonNull(proxyProtocol, "proxyProtocol");
    Objects.requireNonNull(secret, "secret");
    if (remotePort < 0 || remotePort > 65_535) {
      throw new IllegalArgumentException("remote port " + remotePort + " is outside 0-65535");
    }
    if (udp.isPresent() != (type == TunnelType.UDP)) {
      throw new IllegalArgumentException("udp session settings belong to udp tunnels only");
    }
    if (!type.routedByName() && !web.isEmpty()) {
      throw new IllegalArgumentException(
          "subdomains, custom domains, basic auth and Host rewrites are for http and https"
              + " tunnels; this one is "
              + type.wireName());
    }
    switch (type) {
      case TCP -> {
        // Any balancing, any PROXY protocol header.
      }
      case UDP -> {
        if (!balancing.equals(Balancing.NONE)) {
          throw new IllegalArgumentException(
              "a udp tunnel has one local target, no group and no health check");
        }
        if (proxyProtocol.isPresent()) {
          throw new IllegalArgumentException(
              "a PROXY protocol header goes at the start of a TCP stream; a udp tunnel has none");
        }
      }
      case HTTP, HTTPS -> {
        if (remotePort != 0) {
          throw new IllegalArgumentException(
              type.wireName()
                  + " tunnels are reached by name on the server's shared port, not by a port of"
                  + " their own; drop the remote port");
        }
        if (balancing.group().isPresent()) {
          throw new IllegalArgumentException(
              "an "
                  + type.wireName()
                  + " tunnel cannot join a load-balanced group, which shares one public port;"
                  + " it is reached by name: give it several local targets to balance instead");
        }
        if (type == TunnelType.HTTPS && (web.auth().isPresent() || !web.hostHeader().isEmpty())) {
          throw new IllegalArgumentException(
              "basic auth and a Host rewrite need the server to read HTTP, and an https tunnel"
                  + " stays encrypted to the local service; use an http tunnel for them");
        }
      }
      case RELAY -> checkRelay(name, remotePort, sources, balancing, proxyProtocol, secret);
    }
    if (type != TunnelType.RELAY && !secret.isEmpty()) {
      throw new IllegalArgumentException(
          "tunnel " + name + " has a secret, which only a relay tunnel uses (type = \"relay\")");
    }
  }

  private static void checkRelay(
      String name,
      int remotePort,
      SourceFilter sources,
      Balancing balancing,
      Optional<ProxyProtocol> proxyProtocol,
      Secret secret) {
    RelaySecrets.check("relay tunnel " + name, secret);
    if (remotePort != 0) {
      throw new IllegalArgumentException(
          "relay tunnel "
              + name
              + " opens no public port: drop its remote port (visitors reach it with pipe visit)");
    }
    if (!sources.equals(SourceFilter.ANY)) {
      throw new IllegalArgumentException(
          "relay tunnel "
              + name
              + " has no public port for source lists to guard: its secret decides who may visit"
              + " it");
    }
    if (balancing.group().isPresent()) {
      throw new IllegalArgumentException(
          "relay tunnel "
              + name
              + " cannot join a load-balanced group: a relay tunnel's name belongs to one provider");
    }
    if (proxyProtocol.isPresent()) {
      throw new IllegalArgumentException(
          "relay tunnel "
              + name
              + " takes no PROXY protocol header: drop it (the header tells a local service the"
              + " address of a public port's user, and a relay tunnel has no public port)");
    }
  }

  /**
   * Secrets compare in constant time; a reload that keeps a relay tunnel's secret keeps the tunnel
   * and its reservation.
   */
  @Override
  public boolean equals(Object other) {
    return other instanceof TunnelSpec that
        && name.equals(that.name)
        && type == that.type
        && local.equals(that.local)
        && remotePort == that.remotePort
        && bandwidth.equals(that.bandwidth)
        && sources.equals(that.sources)
        && balancing.equals(that.balancing)
        && udp.equals(that.udp)
        && web.equals(that.web)
        && proxyProtocol.equals(that.proxyProtocol)
        && secret.sameAs(that.secret);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name, type, local, remotePort, bandwidth, sources, balancing, udp, web, proxyProtocol);
  }

  /** A relay tunnel: no public port, no source lists, and the secret its visitors must hold. */
  public static TunnelSpec relay(
      String name,
      HostPort local,
      Optional<Bandwidth> bandwidth,
      Balancing balancing,
      Secret secret) {
    return new TunnelSpec(
        name,
        TunnelType.RELAY,
        local,
        0,
        bandwidth,
        SourceFilter.ANY,
        balancing,
        Optional.empty(),
        WebOptions.NONE,
        Optional.empty(),
        secret);
  }

  /**
   * A tunnel with the session defaults of its type (a UDP tunnel gets {@link UdpSessions#DEFAULT}),
   * no names, no PROXY protocol header and no secret, which is any kind but a relay tunnel.
   */
  public TunnelSpec(
      String name,
      TunnelType type,
      HostPort local,
      int remotePort,
      Optional<Bandwidth> bandwidth,
      SourceFilter sources,
      Balancing balancing) {
    this(
        name,
        type,
        local,
        remotePort,
        bandwidth,
        sources,
        balancing,
        defaultSessions(type),
        WebOptions.NONE,
        Optional.empty(),
        Secret.none());
  }

  /** An http or https tunnel with one local target, asking for the names in {@code web}. */
  public TunnelSpec(
      String name,
      TunnelType type,
      HostPort local,
      Optional<Bandwidth> bandwidth,
      SourceFilter sources,
      WebOptions web,
      Optional<ProxyProtocol> proxyProtocol) {
    this(
        name,
        type,
        local,
        0,
        bandwidth,
        sources,
        Balancing.NONE,
        Optional.empty(),
        web,
        proxyProtocol,
        Secret.none());
  }

  /** The session settings a tunnel of {@code type} gets unless told otherwise. */
  private static Optional<UdpSessions> defaultSessions(TunnelType type) {
    return switch (type) {
      case TCP, RELAY, HTTP, HTTPS -> Optional.empty();
      case UDP -> Optional.of(UdpSessions.DEFAULT);
    };
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
    return new TunnelSpec(
        name,
        type,
        local,
        remotePort,
        bandwidth,
        sources,
        balancing,
        udp,
        web,
        proxyProtocol,
        secret);
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

  /** A UDP tunnel's idle timeout as a user writes it, like {@code 60s}, checked against bounds. */
  public static Duration parseIdleTimeout(String text) {
    Duration timeout = Durations.parse(text);
    if (timeout.compareTo(Limits.UDP_MIN_IDLE_TIMEOUT) < 0
        || timeout.compareTo(Limits.UDP_MAX_IDLE_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "idle timeout '"
              + text
              + "' is outside "
              + Limits.UDP_MIN_IDLE_TIMEOUT.toMillis()
              + "ms to "
              + Limits.UDP_MAX_IDLE_TIMEOUT.toHours()
              + "h");
    }
    return timeout;
  }

  /** A UDP tunnel's session cap as a user writes it, checked against the protocol's ceiling. */
  public static int parseMaxSessions(String text) {
    long sessions;
    try {
      sessions = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a whole number of sessions");
    }
    if (sessions < 1 || sessions > Limits.UDP_SESSIONS_CEILING) {
      throw new IllegalArgumentException(
          "max sessions "
              + sessions
              + " is outside 1 to "
              + Limits.UDP_SESSIONS_CEILING
              + " (each session holds a socket on this machine)");
    }
    return (int) sessions;
  }
}
