package dev.pipe.cli;

import dev.pipe.balance.Strategy;
import dev.pipe.client.Balancing;
import dev.pipe.client.ClientConfig;
import dev.pipe.client.GroupSpec;
import dev.pipe.client.HealthCheck;
import dev.pipe.client.TunnelSpec;
import dev.pipe.client.WebOptions;
import dev.pipe.config.ConfigException;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.HostName;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proto.UdpSessions;
import dev.pipe.proxy.Bandwidth;
import dev.pipe.proxy.ProxyProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pipe client}: exposes local ports through a pipe server until it is stopped. */
@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    description = {
      "Expose a local port on the server: --local 3000 --remote 9000 makes",
      "127.0.0.1:3000 here reachable on port 9000 of the server; add --type udp for a",
      "UDP service, or --type http (no --remote) for a web service reached by name.",
      "With --type relay --name N --secret K --local 22 no port opens: only",
      "'pipe visit' with the same name and secret reaches it, encrypted end to end.",
      "More tunnels go in a config file ([[tunnels]], [[visitors]]). Flags override",
      "the file; the token can also come from PIPE_TOKEN. With --config, changes to",
      "the file apply while the client runs: added tunnels open, removed ones stop,",
      "changed ones restart, the others keep their connections."
    })
final class ClientCommand implements Callable<Integer> {

  @Mixin ConnectionOptions connection;

  @Option(
      names = "--local",
      paramLabel = "[HOST:]PORT",
      description =
          "The local service to expose (host defaults to 127.0.0.1); repeat it to balance over"
              + " several.")
  List<String> locals = new ArrayList<>();

  @Option(
      names = "--remote",
      paramLabel = "PORT",
      description =
          "The public port of a tcp or udp tunnel; 0 lets the server pick a free one. http and"
              + " https tunnels have none (they are reached by name), nor do relay tunnels.")
  Integer remote;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "The tunnel's name (default: TYPE-LOCALPORT).")
  String name;

  @Option(
      names = "--type",
      paramLabel = "TYPE",
      description =
          "What the tunnel carries: tcp (default); udp; http (routed by Host on the server's"
              + " HTTP port) or https (routed by TLS SNI, decrypted only by the local service);"
              + " relay: no public port, only visitors holding --secret reach it (pipe visit).")
  String type;

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      description = "udp: a peer's session ends after this long without a datagram (default 60s).")
  String idleTimeout;

  @Option(
      names = "--max-sessions",
      paramLabel = "N",
      description = "udp: at most this many peers at once (default 1024); new ones get nothing.")
  String maxSessions;

  @Option(
      names = "--subdomain",
      paramLabel = "NAME",
      description =
          "http/https: ask for NAME.DOMAIN on the server (default, or when taken: a random name).")
  String subdomain;

  @Option(
      names = "--custom-domain",
      paramLabel = "HOST",
      description = "http/https: also serve this name, if the server allows it (repeatable).")
  List<String> customDomains = new ArrayList<>();

  @Option(
      names = "--http-user",
      paramLabel = "USER",
      description = "http: the server asks users for this user name and --http-password.")
  String httpUser;

  @Option(
      names = "--http-password",
      paramLabel = "PASSWORD",
      defaultValue = "${env:PIPE_HTTP_PASSWORD}",
      description = "http: the password of --http-user (or PIPE_HTTP_PASSWORD).")
  String httpPassword;

  @Option(
      names = "--host-header-rewrite",
      paramLabel = "HOST",
      description = "http: the Host header the local service gets, like localhost.")
  String hostHeaderRewrite;

  @Option(
      names = "--proxy-protocol",
      paramLabel = "VERSION",
      description =
          "Tell the local service who each user is with a PROXY protocol header: v1 or v2.")
  String proxyProtocol;

  @Option(
      names = "--bandwidth",
      paramLabel = "RATE",
      description = "Limit each direction of the tunnel, like 1MiB or 500KB (per second).")
  String bandwidth;

  @Option(
      names = "--allow-source",
      paramLabel = "CIDR",
      description = "Let the server admit users of this tunnel only from here (repeatable).")
  List<String> allowSources = new ArrayList<>();

  @Option(
      names = "--deny-source",
      paramLabel = "CIDR",
      description = "Have the server close this tunnel's users from here at once (repeatable).")
  List<String> denySources = new ArrayList<>();

  @Option(
      names = "--group",
      paramLabel = "NAME",
      description = "Join this load-balanced group: its members share one public port.")
  String group;

  @Option(
      names = "--group-key",
      paramLabel = "SECRET",
      defaultValue = "${env:PIPE_GROUP_KEY}",
      description = "The secret every member of the group holds (or PIPE_GROUP_KEY).")
  String groupKey;

  @Option(
      names = "--strategy",
      paramLabel = "NAME",
      description =
          "How the group and the local services share users: round_robin (default), weighted,"
              + " ip_hash, least_connections, random.")
  String strategy;

  @Option(
      names = "--weight",
      paramLabel = "N",
      description = "This member's share of the group under the weighted strategy (default 1).")
  Integer weight;

  @Option(
      names = "--health-check",
      paramLabel = "TYPE",
      description = "Check the local services: tcp (connect) or http (GET, expect 2xx).")
  String healthCheck;

  @Option(
      names = "--health-path",
      paramLabel = "PATH",
      description = "The path of an http health check (default /).")
  String healthPath;

  @Option(
      names = "--secret",
      paramLabel = "SECRET",
      description =
          "With --type relay: the secret visitors must hold (12 characters or more; a config"
              + " file keeps it out of 'ps').")
  String secret;

  @Option(
      names = "--pool",
      paramLabel = "N",
      description =
          "Data connections to keep open ahead of time, so new users need not wait for one"
              + " (default 8; 0 for none; the server may grant fewer).")
  Integer pool;

  @Override
  public Integer call() throws Exception {
    return ClientRun.run(connection.config, this::load);
  }

  /** The config file, if any, with the flags applied over it; run again on each reload. */
  private ClientConfig load() {
    ClientConfig.Builder builder = connection.builder();
    if (pool != null) {
      if (pool < 0 || pool > Limits.MAX_POOL_CONNECTIONS) {
        throw new ConfigException(
            "--pool " + pool + " is outside 0-" + Limits.MAX_POOL_CONNECTIONS);
      }
      builder.pool(pool);
    }
    flagTunnel().ifPresent(builder::tunnel);
    return builder.build();
  }

  /** The tunnel the flags describe, if they describe one. */
  private Optional<TunnelSpec> flagTunnel() {
    TunnelType tunnelType =
        type == null ? TunnelType.TCP : Flags.parse("--type", type, TunnelType::parse);
    boolean describesTunnel =
        name != null
            || type != null
            || bandwidth != null
            || idleTimeout != null
            || maxSessions != null
            || !allowSources.isEmpty()
            || !denySources.isEmpty()
            || group != null
            || strategy != null
            || weight != null
            || healthCheck != null
            || secret != null
            || subdomain != null
            || !customDomains.isEmpty()
            || httpUser != null
            || hostHeaderRewrite != null
            || proxyProtocol != null;
    if (locals.isEmpty() && remote == null) {
      if (describesTunnel) {
        throw new ConfigException(
            "these flags describe a tunnel: give --local too (and --remote for a tcp or udp"
                + " tunnel)");
      }
      return Optional.empty();
    }
    boolean relay = tunnelType == TunnelType.RELAY;
    if (remote != null && (relay || tunnelType.routedByName())) {
      throw new ConfigException(
          relay
              ? "a relay tunnel opens no public port: drop --remote (visitors reach it with pipe"
                  + " visit)"
              : "--remote is for tcp and udp tunnels; an "
                  + tunnelType.wireName()
                  + " tunnel is reached by name (--subdomain, --custom-domain)");
    }
    if (locals.isEmpty() || (remote == null && !relay && !tunnelType.routedByName())) {
      throw new ConfigException(
          "a tcp or udp tunnel needs both --local [HOST:]PORT and --remote PORT (0 for any free"
              + " port); an http, https or relay tunnel needs --local only");
    }
    List<HostPort> targets =
        locals.stream()
            .map(
                local ->
                    Flags.parse(
                        "--local", local, text -> HostPort.parse(text, ClientConfig.LOCALHOST)))
            .toList();
    HostPort localAddress = targets.getFirst();
    String tunnelName =
        Flags.parse(
            "--name",
            name == null ? TunnelSpec.defaultName(tunnelType, localAddress) : name,
            TunnelName::check);
    Optional<Bandwidth> limit =
        Optional.ofNullable(bandwidth)
            .map(rate -> Flags.parse("--bandwidth", rate, Bandwidth::parse));
    SourceFilter sources;
    try {
      sources = SourceFilter.parse(allowSources, denySources);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--allow-source/--deny-source: " + e.getMessage());
    }
    Optional<ProxyProtocol> header =
        Optional.ofNullable(proxyProtocol)
            .map(version -> Flags.parse("--proxy-protocol", version, ProxyProtocol::parse));
    Balancing balancing = balancing(tunnelType, targets.subList(1, targets.size()));
    Optional<UdpSessions> sessions = udpSessions(tunnelType);
    WebOptions web = webOptions();
    try {
      return Optional.of(
          new TunnelSpec(
              tunnelName,
              tunnelType,
              localAddress,
              remote == null ? 0 : remote,
              limit,
              sources,
              balancing,
              sessions,
              web,
              header,
              secret == null ? Secret.none() : Secret.of(secret)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private WebOptions webOptions() {
    if ((httpUser == null) != (httpPassword == null || httpPassword.isEmpty())) {
      throw new ConfigException(
          "--http-user and --http-password go together (the password may come from"
              + " PIPE_HTTP_PASSWORD)");
    }
    Optional<Message.HttpAuth> auth =
        Optional.ofNullable(httpUser)
            .map(
                user ->
                    Flags.parse(
                        "--http-user", user, text -> new Message.HttpAuth(text, httpPassword)));
    return new WebOptions(
        subdomain == null ? "" : Flags.parse("--subdomain", subdomain, HostName::label),
        customDomains.stream()
            .map(domain -> Flags.parse("--custom-domain", domain, HostName::name))
            .toList(),
        auth,
        hostHeaderRewrite == null
            ? ""
            : Flags.parse("--host-header-rewrite", hostHeaderRewrite, HostName::name));
  }

  private Optional<UdpSessions> udpSessions(TunnelType tunnelType) {
    return switch (tunnelType) {
      case TCP, HTTP, HTTPS, RELAY -> {
        if (idleTimeout != null || maxSessions != null) {
          throw new ConfigException(
              "--idle-timeout and --max-sessions apply to udp tunnels: use --type udp");
        }
        yield Optional.empty();
      }
      case UDP ->
          Optional.of(
              new UdpSessions(
                  (idleTimeout == null
                          ? Limits.UDP_IDLE_TIMEOUT
                          : Flags.parse(
                              "--idle-timeout", idleTimeout, TunnelSpec::parseIdleTimeout))
                      .toMillis(),
                  maxSessions == null
                      ? Limits.UDP_MAX_SESSIONS
                      : Flags.parse("--max-sessions", maxSessions, TunnelSpec::parseMaxSessions)));
    };
  }

  private Balancing balancing(TunnelType tunnelType, List<HostPort> moreTargets) {
    if (tunnelType == TunnelType.UDP) {
      if (!moreTargets.isEmpty()
          || group != null
          || strategy != null
          || weight != null
          || healthCheck != null
          || healthPath != null) {
        throw new ConfigException(
            "a udp tunnel has one local service and no group, strategy, weight or health check:"
                + " give one --local, and leave those flags out");
      }
      return Balancing.NONE;
    }
    Strategy chosen =
        strategy == null
            ? Strategy.ROUND_ROBIN
            : Flags.parse("--strategy", strategy, Strategy::parse);
    if (group == null && (weight != null || (groupKey != null && !groupKey.isEmpty()))) {
      throw new ConfigException("--weight and --group-key belong to a group member: give --group");
    }
    Optional<GroupSpec> membership =
        Optional.ofNullable(group)
            .map(
                name ->
                    Flags.parse(
                        "--group",
                        name,
                        text ->
                            new GroupSpec(text, Secret.of(groupKey), weight == null ? 1 : weight)));
    Optional<HealthCheck> check =
        Optional.ofNullable(healthCheck)
            .map(
                kind ->
                    Flags.parse(
                        "--health-check",
                        kind,
                        text -> {
                          HealthCheck defaults = HealthCheck.of(HealthCheck.Kind.parse(text));
                          return new HealthCheck(
                              defaults.kind(),
                              healthPath == null ? defaults.path() : healthPath,
                              defaults.interval(),
                              defaults.timeout(),
                              defaults.failures(),
                              defaults.successes());
                        }));
    if (healthPath != null && healthCheck == null) {
      throw new ConfigException("--health-path belongs to --health-check http: give both");
    }
    return new Balancing(moreTargets, chosen, membership, check);
  }
}
