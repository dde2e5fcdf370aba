package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Traffic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Which http and https tunnel holds which name: one table per port, so a name is held by at most
 * one tunnel of each kind. A tunnel gets the subdomain it asks for if it is free and its user may
 * have it, else a random readable one (and the client is told why); custom domains must be allowed
 * for the user and free, or the tunnel is refused. Names are only ever compared and looked up here:
 * nothing a client sends is written into another program's configuration.
 */
final class HostRoutes {
  private static final int RANDOM_NAME_ATTEMPTS = 16;

  /** An opened tunnel, and why it did not get the subdomain it asked for (or empty). */
  record Opened(NamedTunnel tunnel, String notice) {}

  private final HttpSettings settings;
  private final Optional<Integer> httpPort;
  private final Optional<Integer> httpsPort;
  private final Supplier<Credentials> credentials;
  private final PendingConnections pending;
  private final IntSupplier maxConnectionsPerTunnel;
  private final ServerEvents events;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, NamedTunnel> http = new HashMap<>();
  private final Map<String, NamedTunnel> https = new HashMap<>();

  /**
   * @param httpPort the HTTP port as bound, if there is one
   * @param httpsPort the HTTPS port as bound, if there is one
   * @param credentials the users in force now (a reload replaces them)
   * @param maxConnectionsPerTunnel read at each admission, so that a reload changes it at once
   */
  HostRoutes(
      HttpSettings settings,
      Optional<Integer> httpPort,
      Optional<Integer> httpsPort,
      Supplier<Credentials> credentials,
      PendingConnections pending,
      IntSupplier maxConnectionsPerTunnel,
      ServerEvents events) {
    this.settings = settings;
    this.httpPort = httpPort;
    this.httpsPort = httpsPort;
    this.credentials = credentials;
    this.pending = pending;
    this.maxConnectionsPerTunnel = maxConnectionsPerTunnel;
    this.events = events;
  }

  /** The tunnel of {@code type} that holds {@code host} (lowercase), or null. */
  NamedTunnel find(TunnelType type, String host) {
    lock.lock();
    try {
      return table(type).get(host);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Caddy's on-demand TLS question: may {@code host} get a certificate? Only while an http tunnel
   * holds it, or when the operator named it exactly as a custom domain of some user.
   */
  boolean mayHaveCertificate(String host) {
    return find(TunnelType.HTTP, host) != null || credentials.get().namesExactly(host);
  }

  /** Claims the names {@code forward} asks for, within what its owner's user may have. */
  Opened open(ControlSession owner, Message.HttpForward forward) throws TunnelRejected {
    TunnelType type = forward.type();
    int port =
        boundPort(type)
            .orElseThrow(
                () ->
                    new TunnelRejected(
                        type == TunnelType.HTTP
                            ? "this server serves no http tunnels; its operator can start it with"
                                + " --domain or --http-port"
                            : "this server serves no https tunnels; its operator can start it with"
                                + " --https-port"));
    User user = owner.user();
    Map<String, NamedTunnel> table = table(type);
    lock.lock();
    try {
      List<String> names = new ArrayList<>();
      String notice = "";
      for (String domain : forward.domains()) {
        if (!user.hosts().mayDomain(domain)) {
          throw new TunnelRejected(
              "custom domain "
                  + domain
                  + " is not allowed"
                  + user.where()
                  + " (allowed: "
                  + (user.hosts().domains().isEmpty()
                      ? "none"
                      : String.join(
                          ", ", user.hosts().domains().stream().map(Object::toString).toList()))
                  + "); the operator can add it to allow_domains");
        }
        if (table.containsKey(domain)) {
          throw new TunnelRejected(
              "custom domain " + domain + " is already served by another tunnel on this server");
        }
        names.add(domain);
      }
      if (!forward.subdomain().isEmpty() || forward.domains().isEmpty()) {
        String domain =
            settings
                .domain()
                .orElseThrow(
                    () ->
                        new TunnelRejected(
                            "this server has no domain (--domain), so it gives no subdomains;"
                                + " ask for a custom domain instead"));
        String wanted = forward.subdomain();
        String subdomain = null;
        if (!wanted.isEmpty() && !user.hosts().maySubdomain(wanted)) {
          notice = "subdomain " + wanted + " is not allowed" + user.where();
        } else if (!wanted.isEmpty() && table.containsKey(wanted + "." + domain)) {
          notice = "subdomain " + wanted + " is taken by another tunnel";
        } else if (!wanted.isEmpty()) {
          subdomain = wanted;
        }
        String host = subdomain != null ? subdomain + "." + domain : freeRandomName(table, domain);
        if (!notice.isEmpty()) {
          notice += "; this tunnel got " + host + " instead";
        }
        if (!names.contains(host)) {
          names.addFirst(host);
        }
      }
      NamedTunnel tunnel = tunnel(owner, forward, port, names);
      names.forEach(name -> table.put(name, tunnel));
      events.tunnelOpened(tunnel.info());
      return new Opened(tunnel, notice);
    } finally {
      lock.unlock();
    }
  }

  /** Frees the tunnel's names; the first release of a tunnel reports why it closed. */
  void release(NamedTunnel tunnel, String reason) {
    lock.lock();
    try {
      Map<String, NamedTunnel> table = table(tunnel.type());
      tunnel.hosts().forEach(host -> table.remove(host, tunnel));
    } finally {
      lock.unlock();
    }
    if (tunnel.close()) {
      pending.dropAll(tunnel);
      events.tunnelClosed(tunnel.info(), reason);
    }
  }

  /** Where users reach the tunnel, one URL per name. */
  List<String> urls(NamedTunnel tunnel) {
    int port = tunnel.info().port();
    String base =
        switch (tunnel.type()) {
          case HTTPS -> "https://%s" + (port == 443 ? "" : ":" + port);
          case HTTP ->
              settings.publicHttps()
                  ? "https://%s"
                  : "http://%s" + (port == HttpSettings.DEFAULT_PORT ? "" : ":" + port);
          case TCP, UDP, RELAY ->
              throw new IllegalArgumentException(tunnel.type().wireName() + " tunnels have no URL");
        };
    return tunnel.hosts().stream().map(base::formatted).toList();
  }

  private NamedTunnel tunnel(
      ControlSession owner, Message.HttpForward forward, int port, List<String> names) {
    TunnelInfo info =
        new TunnelInfo(
            ConnectionId.random().hex(),
            forward.tunnel(),
            forward.type(),
            port,
            names,
            owner.info(),
            Instant.now(),
            new Traffic());
    TunnelUsers users =
        new TunnelUsers(
            "tunnel=" + forward.tunnel() + " host=" + names.getFirst(),
            forward.sources(),
            owner.user().sources(),
            maxConnectionsPerTunnel,
            events);
    return new NamedTunnel(
        owner,
        info,
        users,
        Optional.ofNullable(forward.auth()).map(BasicAuth::new),
        Optional.of(forward.hostHeader()).filter(header -> !header.isEmpty()),
        forward.proxyProtocol());
  }

  private Optional<Integer> boundPort(TunnelType type) {
    return switch (type) {
      case HTTP -> httpPort;
      case HTTPS -> httpsPort;
      case TCP, UDP, RELAY ->
          throw new IllegalArgumentException(type.wireName() + " tunnels have no names");
    };
  }

  private static String freeRandomName(Map<String, NamedTunnel> table, String domain)
      throws TunnelRejected {
    for (int attempt = 0; attempt < RANDOM_NAME_ATTEMPTS; attempt++) {
      String host = ReadableNames.next() + "." + domain;
      if (!table.containsKey(host)) {
        return host;
      }
    }
    throw new TunnelRejected("no free random subdomain found; try again");
  }

  private Map<String, NamedTunnel> table(TunnelType type) {
    return switch (type) {
      case HTTP -> http;
      case HTTPS -> https;
      case TCP, UDP, RELAY ->
          throw new IllegalArgumentException(type.wireName() + " tunnels have no names");
    };
  }
}
