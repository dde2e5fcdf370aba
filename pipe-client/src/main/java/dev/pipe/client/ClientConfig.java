package dev.pipe.client;

import dev.pipe.balance.Backend;
import dev.pipe.balance.Strategy;
import dev.pipe.config.Cidr;
import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigProblems;
import dev.pipe.config.ConfigTable;
import dev.pipe.config.Durations;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.config.StateDirectory;
import dev.pipe.proto.Fingerprint;
import dev.pipe.proto.HostName;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proto.UdpSessions;
import dev.pipe.proxy.Bandwidth;
import dev.pipe.proxy.ProxyProtocol;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Everything {@code pipe client} (and {@code pipe visit}) can be told, from flags or a TOML file:
 * the tunnels it provides and the relay tunnels it visits. Build it with {@link #builder()}: the
 * file first, then the flags, which override it.
 */
public record ClientConfig(
    HostPort server,
    Secret token,
    List<TunnelSpec> tunnels,
    List<VisitorSpec> visitors,
    boolean reconnect,
    ClientTls tls,
    Optional<HostPort> status,
    int poolSize) {

  public static final String LOCALHOST = "127.0.0.1";

  /** Where {@code pipe status} finds a client that was given no other status address. */
  public static final HostPort DEFAULT_STATUS =
      new HostPort(LOCALHOST, StatusEndpoint.DEFAULT_PORT);

  static final Set<String> FILE_KEYS =
      Set.of(
          "server",
          "token",
          "reconnect",
          "tunnels",
          "visitors",
          "tls",
          "server_fingerprint",
          "strict",
          "state_dir",
          "status",
          "pool");

  /** Keys that only a UDP tunnel may hold. */
  private static final Set<String> UDP_KEYS = Set.of("idle_timeout", "max_sessions");

  /** Keys of the names and HTTP settings of http and https tunnels. */
  private static final List<String> WEB_KEYS =
      List.of("subdomain", "custom_domains", "http_user", "http_password", "host_header_rewrite");

  /**
   * Keys of a tunnel that users reach on the server's public side (a port, or names), which a relay
   * tunnel may not hold.
   */
  private static final List<String> PUBLIC_KEYS =
      Stream.concat(
              Stream.of("remote", "allow_sources", "deny_sources", "proxy_protocol"),
              WEB_KEYS.stream())
          .toList();

  /** Keys of a group member, which only a TCP tunnel may be. */
  private static final List<String> GROUP_KEYS = List.of("group", "group_key", "weight");

  /** Keys of balancing and health checks, which a UDP tunnel may not hold. */
  private static final List<String> BALANCING_KEYS =
      List.of(
          "group",
          "group_key",
          "strategy",
          "weight",
          "health_check",
          "health_path",
          "health_interval",
          "health_timeout",
          "health_failures",
          "health_successes");

  static final Set<String> TUNNEL_KEYS =
      Stream.of(
              List.of(
                  "name",
                  "type",
                  "local",
                  "remote",
                  "bandwidth",
                  "allow_sources",
                  "deny_sources",
                  "secret"),
              UDP_KEYS,
              BALANCING_KEYS,
              WEB_KEYS,
              List.of("proxy_protocol"))
          .flatMap(Collection::stream)
          .collect(Collectors.toUnmodifiableSet());

  static final Set<String> VISITOR_KEYS = Set.of("name", "secret", "bind");

  public ClientConfig {
    tunnels = List.copyOf(tunnels);
    visitors = List.copyOf(visitors);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses a status address: {@code off}, or a loopback {@code [HOST:]PORT}. Only loopback, since
   * the status shows the server's address and the local services to whoever asks.
   */
  public static Optional<HostPort> parseStatus(String text) {
    if ("off".equals(text)) {
      return Optional.empty();
    }
    HostPort address = HostPort.parse(text, LOCALHOST);
    boolean loopback;
    try {
      loopback = InetAddress.getByName(address.host()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a loopback address; the status endpoint listens only on this machine,"
              + " like 127.0.0.1:"
              + StatusEndpoint.DEFAULT_PORT
              + " (or off)");
    }
    return Optional.of(address);
  }

  /** Collects settings; later calls override earlier ones. */
  public static final class Builder {
    private HostPort server;
    private Secret token = Secret.none();
    private boolean reconnect = true;
    private boolean tls = true;
    private Optional<Fingerprint> pin = Optional.empty();
    private boolean strict;
    private Path stateDir = StateDirectory.DEFAULT;
    private Optional<HostPort> status = Optional.of(DEFAULT_STATUS);
    private int poolSize = Limits.DEFAULT_POOL_CONNECTIONS;
    private final Map<String, TunnelSpec> tunnels = new LinkedHashMap<>();
    private final Map<HostPort, VisitorSpec> visitors = new LinkedHashMap<>();
    private final ConfigProblems problems = new ConfigProblems();
    private ConfigTable fileTable;

    private Builder() {}

    /**
     * Applies every key of a client config file, including its {@code [[tunnels]]} and {@code
     * [[visitors]]}. A problem in it is recorded and the rest still read: {@link #build()} then
     * lists every problem.
     */
    public Builder file(Path file) {
      ConfigTable table = ConfigTable.load(file, problems);
      fileTable = table;
      table.allowOnly(FILE_KEYS);
      table.parsed("server", text -> HostPort.parse(text, null)).ifPresent(this::server);
      table.string("token").ifPresent(value -> token(Secret.of(value)));
      table.bool("reconnect").ifPresent(this::reconnect);
      table.bool("tls").ifPresent(this::tls);
      table.parsed("server_fingerprint", Fingerprint::parse).ifPresent(this::serverFingerprint);
      table.bool("strict").ifPresent(this::strict);
      table.parsed("state_dir", StateDirectory::expand).ifPresent(this::stateDir);
      table.parsedText("status", ClientConfig::parseStatus).ifPresent(this::status);
      table
          .integer("pool")
          .ifPresent(
              value -> {
                if (value < 0 || value > Limits.MAX_POOL_CONNECTIONS) {
                  table.report(
                      table.error(
                          "pool",
                          "must be between 0 (no pool) and "
                              + Limits.MAX_POOL_CONNECTIONS
                              + ", got "
                              + value));
                  return;
                }
                pool(value.intValue());
              });
      for (ConfigTable entry : table.tables("tunnels")) {
        Optional<TunnelSpec> spec = tunnel(entry);
        if (spec.isEmpty()) {
          continue;
        }
        if (tunnels.containsKey(spec.get().name())) {
          entry.report(
              entry.error(
                  "name",
                  "'" + spec.get().name() + "' is used by two tunnels; give each a unique name"));
        }
        tunnels.put(spec.get().name(), spec.get());
      }
      for (ConfigTable entry : table.tables("visitors")) {
        Optional<VisitorSpec> spec = visitor(entry);
        if (spec.isEmpty()) {
          continue;
        }
        if (visitors.containsKey(spec.get().bind())) {
          entry.report(
              entry.error(
                  "bind",
                  "'"
                      + spec.get().bind()
                      + "' is used by two visitors; give each its own address"));
        }
        visitors.put(spec.get().bind(), spec.get());
      }
      return this;
    }

    /** One {@code [[tunnels]]} entry; empty after reporting its problems. */
    private static Optional<TunnelSpec> tunnel(ConfigTable entry) {
      entry.allowOnly(TUNNEL_KEYS);
      TunnelType type = entry.parsed("type", TunnelType::parse).orElse(TunnelType.TCP);
      List<HostPort> targets = targets(entry);
      if (type == TunnelType.RELAY) {
        return relayTunnel(entry, targets);
      }
      if (entry.has("secret")) {
        entry.report(
            entry.error(
                "secret",
                "only a relay tunnel uses a secret (type = \"relay\"); remove it, or make the"
                    + " tunnel a relay tunnel"));
      }
      Optional<Long> remote = remote(entry, type);
      Optional<String> name = entry.parsed("name", TunnelName::check);
      Optional<Bandwidth> bandwidth = entry.parsed("bandwidth", Bandwidth::parse);
      List<Cidr> allow = entry.parsedList("allow_sources", Cidr::parse).orElse(List.of());
      List<Cidr> deny = entry.parsedList("deny_sources", Cidr::parse).orElse(List.of());
      if (allow.size() > SourceFilter.MAX_BLOCKS || deny.size() > SourceFilter.MAX_BLOCKS) {
        entry.report(
            entry.error("at most " + SourceFilter.MAX_BLOCKS + " address blocks per source list"));
      }
      Optional<Balancing> balancing =
          switch (type) {
            case TCP, HTTP, HTTPS -> balancing(entry, type, targets);
            case UDP -> udpBalancing(entry, targets);
            case RELAY -> throw new IllegalStateException("relay tunnels are read above");
          };
      Optional<Optional<UdpSessions>> udp = udpSessions(entry, type);
      Optional<WebOptions> web = web(entry, type);
      Optional<ProxyProtocol> proxyProtocol = entry.parsed("proxy_protocol", ProxyProtocol::parse);
      if (targets.isEmpty()
          || remote.isEmpty()
          || balancing.isEmpty()
          || udp.isEmpty()
          || web.isEmpty()
          || (entry.has("proxy_protocol") && proxyProtocol.isEmpty())) {
        return Optional.empty();
      }
      HostPort local = targets.getFirst();
      try {
        return Optional.of(
            new TunnelSpec(
                name.orElse(TunnelSpec.defaultName(type, local)),
                type,
                local,
                remote.get().intValue(),
                bandwidth,
                new SourceFilter(allow, deny),
                balancing.get(),
                udp.get(),
                web.get(),
                proxyProtocol,
                Secret.none()));
      } catch (IllegalArgumentException e) {
        // What the tunnel's keys say together (an https tunnel with basic auth, say).
        entry.report(entry.error(e.getMessage()));
        return Optional.empty();
      }
    }

    /**
     * A {@code type = "relay"} tunnel: a name and a secret, no public port and no group; empty
     * after reporting its problems.
     */
    private static Optional<TunnelSpec> relayTunnel(ConfigTable entry, List<HostPort> targets) {
      boolean fine = true;
      for (String key : PUBLIC_KEYS) {
        if (entry.has(key)) {
          entry.report(
              entry.error(
                  key,
                  "does not apply to a relay tunnel, which opens no public port: visitors reach it"
                      + " with its secret"));
          fine = false;
        }
      }
      for (String key : Stream.concat(GROUP_KEYS.stream(), UDP_KEYS.stream()).toList()) {
        if (entry.has(key)) {
          entry.report(
              entry.error(
                  key,
                  "does not apply to a relay tunnel: one provider holds a relay tunnel's name, and"
                      + " it carries TCP"));
          fine = false;
        }
      }
      Optional<String> name = entry.parsed("name", TunnelName::check);
      if (!entry.has("name")) {
        entry.report(
            entry.error(
                "missing 'name': visitors ask for a relay tunnel by name, like name ="
                    + " \"home-ssh\""));
      }
      Optional<Bandwidth> bandwidth = entry.parsed("bandwidth", Bandwidth::parse);
      Optional<Balancing> balancing =
          fine ? balancing(entry, TunnelType.RELAY, targets) : Optional.empty();
      if (name.isEmpty() || targets.isEmpty() || balancing.isEmpty()) {
        return Optional.empty();
      }
      return relaySecret(entry, "relay tunnel " + name.get())
          .map(
              secret ->
                  TunnelSpec.relay(
                      name.get(), targets.getFirst(), bandwidth, balancing.get(), secret));
    }

    /** One {@code [[visitors]]} entry; empty after reporting its problems. */
    private static Optional<VisitorSpec> visitor(ConfigTable entry) {
      entry.allowOnly(VISITOR_KEYS);
      Optional<String> name = entry.parsed("name", TunnelName::check);
      if (!entry.has("name")) {
        entry.report(
            entry.error("missing 'name': the relay tunnel to visit, like name = \"home-ssh\""));
      }
      Optional<HostPort> bind = entry.parsedText("bind", text -> HostPort.parse(text, LOCALHOST));
      if (!entry.has("bind")) {
        entry.report(
            entry.error(
                "missing 'bind': where local programs connect, like bind = \"127.0.0.1:2222\""));
      }
      if (name.isEmpty() || bind.isEmpty()) {
        return Optional.empty();
      }
      return relaySecret(entry, "visitor of " + name.get())
          .map(secret -> new VisitorSpec(name.get(), secret, bind.get()));
    }

    /** The entry's {@code secret}, long enough to guard a relay tunnel; empty after reporting. */
    private static Optional<Secret> relaySecret(ConfigTable entry, String owner) {
      Secret secret = entry.string("secret").map(Secret::of).orElse(Secret.none());
      try {
        return Optional.of(RelaySecrets.check(owner, secret));
      } catch (IllegalArgumentException e) {
        entry.report(
            entry.has("secret")
                ? entry.error("secret", "is invalid: " + e.getMessage())
                : entry.error(e.getMessage()));
        return Optional.empty();
      }
    }

    /**
     * The public port of a tcp or udp tunnel, or 0 for an http or https tunnel, which is reached by
     * name and may not give one; empty after reporting a problem.
     */
    private static Optional<Long> remote(ConfigTable entry, TunnelType type) {
      if (type.routedByName()) {
        if (entry.has("remote")) {
          entry.report(
              entry.error(
                  "remote",
                  "is for tcp and udp tunnels; an "
                      + type.wireName()
                      + " tunnel is reached by name (subdomain, custom_domains)"));
          return Optional.empty();
        }
        return Optional.of(0L);
      }
      Optional<Long> remote = entry.integer("remote");
      if (!entry.has("remote")) {
        entry.report(
            entry.error("missing 'remote': the public port, like remote = 9000 (0 for any)"));
      } else if (remote.isPresent() && (remote.get() < 0 || remote.get() > 65_535)) {
        entry.report(
            entry.error("remote", "must be a port between 0 and 65535, got " + remote.get()));
        return Optional.empty();
      }
      return remote;
    }

    /**
     * The names and HTTP settings of an http or https tunnel ({@link WebOptions#NONE} for the
     * others, which may not hold their keys); empty after reporting a problem.
     */
    private static Optional<WebOptions> web(ConfigTable entry, TunnelType type) {
      if (!type.routedByName()) {
        boolean fine = true;
        for (String key : WEB_KEYS) {
          if (entry.has(key)) {
            entry.report(
                entry.error(
                    key,
                    "applies to http and https tunnels only; remove it or set type = \"http\""));
            fine = false;
          }
        }
        return fine ? Optional.of(WebOptions.NONE) : Optional.empty();
      }
      Optional<String> user = entry.string("http_user");
      Optional<String> password = entry.string("http_password");
      Optional<Message.HttpAuth> auth = Optional.empty();
      boolean fine = true;
      if (entry.has("http_user") != entry.has("http_password")) {
        entry.report(entry.error("http_user and http_password go together: set both, or neither"));
        fine = false;
      } else if (user.isPresent() && password.isPresent()) {
        try {
          auth = Optional.of(new Message.HttpAuth(user.get(), password.get()));
        } catch (IllegalArgumentException e) {
          entry.report(entry.error("http_user", "is invalid: " + e.getMessage()));
          fine = false;
        }
      }
      Optional<String> subdomain = entry.parsed("subdomain", HostName::label);
      Optional<List<String>> domains = entry.parsedList("custom_domains", HostName::name);
      Optional<String> hostHeader = entry.parsed("host_header_rewrite", HostName::name);
      if (!fine
          || (entry.has("subdomain") && subdomain.isEmpty())
          || (entry.has("custom_domains") && domains.isEmpty())
          || (entry.has("host_header_rewrite") && hostHeader.isEmpty())) {
        return Optional.empty();
      }
      return Optional.of(
          new WebOptions(
              subdomain.orElse(""), domains.orElse(List.of()), auth, hostHeader.orElse("")));
    }

    /**
     * A UDP tunnel's sessions (empty for the other types, which may not hold their keys); empty
     * outside after reporting a problem.
     */
    private static Optional<Optional<UdpSessions>> udpSessions(ConfigTable entry, TunnelType type) {
      if (type != TunnelType.UDP) {
        boolean fine = true;
        for (String key : UDP_KEYS) {
          if (entry.has(key)) {
            entry.report(
                entry.error(key, "applies to udp tunnels only; remove it or set type = \"udp\""));
            fine = false;
          }
        }
        return fine ? Optional.of(Optional.empty()) : Optional.empty();
      }
      Optional<Duration> idle = entry.parsed("idle_timeout", TunnelSpec::parseIdleTimeout);
      Optional<Integer> most = entry.parsedText("max_sessions", TunnelSpec::parseMaxSessions);
      if ((entry.has("idle_timeout") && idle.isEmpty())
          || (entry.has("max_sessions") && most.isEmpty())) {
        return Optional.empty();
      }
      return Optional.of(
          Optional.of(
              new UdpSessions(
                  idle.orElse(Limits.UDP_IDLE_TIMEOUT).toMillis(),
                  most.orElse(Limits.UDP_MAX_SESSIONS))));
    }

    /**
     * A UDP tunnel relays every peer to its one local service: it has no further targets, no group
     * and no health check.
     */
    private static Optional<Balancing> udpBalancing(ConfigTable entry, List<HostPort> targets) {
      boolean fine = true;
      if (targets.size() > 1) {
        entry.report(
            entry.error(
                "local", "a udp tunnel has one local service; give it one address, not a list"));
        fine = false;
      }
      for (String key : BALANCING_KEYS) {
        if (entry.has(key)) {
          entry.report(
              entry.error(
                  key,
                  (GROUP_KEYS.contains(key)
                          ? "applies to tcp tunnels only"
                          : "applies to tcp, http, https and relay tunnels")
                      + ": udp tunnels have no groups, strategies or health checks; remove it"));
          fine = false;
        }
      }
      return fine ? Optional.of(Balancing.NONE) : Optional.empty();
    }

    /** {@code local = 3000}, {@code local = "host:3000"} or a list of them. */
    private static List<HostPort> targets(ConfigTable entry) {
      if (!entry.has("local")) {
        entry.report(
            entry.error(
                "missing 'local': the local service, like local = \"127.0.0.1:3000\", or a list"
                    + " of them to balance"));
        return List.of();
      }
      Optional<List<HostPort>> list =
          entry.isList("local")
              ? entry.parsedList("local", text -> HostPort.parse(text, LOCALHOST))
              : entry.parsedText("local", text -> HostPort.parse(text, LOCALHOST)).map(List::of);
      if (list.isPresent() && (list.get().isEmpty() || list.get().size() > Balancing.MAX_TARGETS)) {
        entry.report(
            entry.error("local", "must name 1 to " + Balancing.MAX_TARGETS + " local services"));
        return List.of();
      }
      return list.orElse(List.of());
    }

    /**
     * How a tcp, http, https or relay tunnel balances; only a tcp tunnel may join a group, whose
     * members share a public port (http and https tunnels are reached by name, and a relay tunnel's
     * name belongs to one provider).
     */
    private static Optional<Balancing> balancing(
        ConfigTable entry, TunnelType type, List<HostPort> targets) {
      Strategy strategy = entry.parsed("strategy", Strategy::parse).orElse(Strategy.ROUND_ROBIN);
      Optional<String> group = entry.parsed("group", TunnelName::check);
      Optional<String> key = entry.string("group_key");
      Optional<Long> weight = entry.integer("weight");
      boolean fine = true;
      if (type.routedByName() && entry.has("group")) {
        entry.report(
            entry.error(
                "group",
                "is for tcp tunnels, which share a public port in a group; an "
                    + type.wireName()
                    + " tunnel is reached by name and cannot join one: remove group (several"
                    + " local targets balance it instead)"));
        return Optional.empty();
      }
      if (group.isPresent() && key.filter(value -> !value.isEmpty()).isEmpty()) {
        entry.report(
            entry.error(
                "group",
                "needs a group_key: the secret every member of group '"
                    + group.get()
                    + "' holds, like group_key = \"a-long-random-string\""));
        fine = false;
      }
      if (!entry.has("group") && (entry.has("group_key") || entry.has("weight"))) {
        entry.report(
            entry.error(
                entry.has("group_key") ? "group_key" : "weight",
                "belongs to a group member: add group = \"NAME\", or remove it"));
        fine = false;
      }
      if (weight.isPresent() && (weight.get() < 1 || weight.get() > Backend.MAX_WEIGHT)) {
        entry.report(
            entry.error(
                "weight", "must be between 1 and " + Backend.MAX_WEIGHT + ", got " + weight.get()));
        fine = false;
      }
      Optional<HealthCheck> healthCheck = healthCheck(entry);
      if (!fine || (entry.has("health_check") && healthCheck.isEmpty())) {
        return Optional.empty();
      }
      Optional<GroupSpec> groupSpec =
          group.map(
              name ->
                  new GroupSpec(name, Secret.of(key.orElseThrow()), weight.orElse(1L).intValue()));
      return Optional.of(
          new Balancing(targets.stream().skip(1).toList(), strategy, groupSpec, healthCheck));
    }

    private static Optional<HealthCheck> healthCheck(ConfigTable entry) {
      List<String> timings =
          List.of(
              "health_path",
              "health_interval",
              "health_timeout",
              "health_failures",
              "health_successes");
      if (!entry.has("health_check")) {
        timings.stream()
            .filter(entry::has)
            .findFirst()
            .ifPresent(
                key ->
                    entry.report(
                        entry.error(
                            key, "needs health_check = \"tcp\" or \"http\" in the same tunnel")));
        return Optional.empty();
      }
      Optional<HealthCheck.Kind> kind = entry.parsed("health_check", HealthCheck.Kind::parse);
      String path = entry.string("health_path").orElse(HealthCheck.DEFAULT_PATH);
      Duration interval =
          entry.parsed("health_interval", Durations::parse).orElse(HealthCheck.DEFAULT_INTERVAL);
      Duration timeout =
          entry.parsed("health_timeout", Durations::parse).orElse(HealthCheck.DEFAULT_TIMEOUT);
      long failures = entry.integer("health_failures").orElse((long) HealthCheck.DEFAULT_FAILURES);
      long successes =
          entry.integer("health_successes").orElse((long) HealthCheck.DEFAULT_SUCCESSES);
      if (kind.isEmpty()) {
        return Optional.empty();
      }
      try {
        return Optional.of(
            new HealthCheck(
                kind.get(),
                path,
                interval,
                timeout,
                (int) Math.min(failures, Integer.MAX_VALUE),
                (int) Math.min(successes, Integer.MAX_VALUE)));
      } catch (IllegalArgumentException e) {
        entry.report(entry.error("health_check", "is invalid: " + e.getMessage()));
        return Optional.empty();
      }
    }

    /** A problem of the whole config, placed at {@code key} of the file when there is one. */
    private ConfigException located(String key, String problem) {
      return new ConfigException(
          fileTable == null ? problem : fileTable.location(key) + ": " + problem);
    }

    public Builder server(HostPort server) {
      this.server = server;
      return this;
    }

    public Builder token(Secret token) {
      this.token = token;
      return this;
    }

    public Builder reconnect(boolean reconnect) {
      this.reconnect = reconnect;
      return this;
    }

    /** Turns TLS on (the default) or off. */
    public Builder tls(boolean enabled) {
      this.tls = enabled;
      return this;
    }

    /** Trusts the server only if its certificate has this fingerprint. */
    public Builder serverFingerprint(Fingerprint fingerprint) {
      this.pin = Optional.of(fingerprint);
      return this;
    }

    /** Refuses a server met for the first time unless its fingerprint is pinned. */
    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /** Where the client keeps its known servers (default ~/.pipe). */
    public Builder stateDir(Path stateDir) {
      this.stateDir = stateDir;
      return this;
    }

    /** Where the status endpoint listens; empty runs none. */
    public Builder status(Optional<HostPort> status) {
      this.status = status;
      return this;
    }

    /**
     * How many data connections to keep open ahead of time (0: none, every user connection waits
     * for a new one); the server may grant fewer.
     */
    public Builder pool(int poolSize) {
      this.poolSize = poolSize;
      return this;
    }

    /** Adds a tunnel, replacing a file tunnel of the same name. */
    public Builder tunnel(TunnelSpec spec) {
      tunnels.put(spec.name(), spec);
      return this;
    }

    /** Adds a visitor, replacing a file visitor on the same local address. */
    public Builder visitor(VisitorSpec spec) {
      visitors.put(spec.bind(), spec);
      return this;
    }

    /**
     * The finished config.
     *
     * @throws ConfigException listing every problem of the file and the flags, one per line
     */
    public ClientConfig build() {
      if (server == null) {
        problems.add(
            located(
                "server",
                "no server given: pass --server HOST:PORT or set server = \"HOST:PORT\" in the"
                    + " config"));
      }
      if (tunnels.isEmpty() && visitors.isEmpty() && problems.isEmpty()) {
        problems.add(
            located(
                "tunnels",
                "no tunnel given: pass --local PORT --remote PORT, or add [[tunnels]] to the"
                    + " config (or, to reach a relay tunnel, run pipe visit or add [[visitors]])"));
      }
      if (!tls && (pin.isPresent() || strict)) {
        problems.add(
            located(
                "tls",
                "--server-fingerprint and --strict check the server's TLS certificate; they make"
                    + " no sense with --no-tls"));
      }
      problems.throwIfAny();
      return new ClientConfig(
          server,
          token,
          new ArrayList<>(tunnels.values()),
          new ArrayList<>(visitors.values()),
          reconnect,
          new ClientTls(tls, pin, strict, stateDir),
          status,
          poolSize);
    }
  }
}
