package dev.pipe.client;

import dev.pipe.config.Cidr;
import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigTable;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.config.StateDirectory;
import dev.pipe.proto.Fingerprint;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Bandwidth;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
    Optional<HostPort> status) {

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
          "status");
  static final Set<String> TUNNEL_KEYS =
      Set.of(
          "name",
          "type",
          "local",
          "remote",
          "bandwidth",
          "allow_sources",
          "deny_sources",
          "secret");
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
    private final Map<String, TunnelSpec> tunnels = new LinkedHashMap<>();
    private final Map<HostPort, VisitorSpec> visitors = new LinkedHashMap<>();

    private Builder() {}

    /** Applies every key of a client config file, including its {@code [[tunnels]]}. */
    public Builder file(Path file) {
      ConfigTable table = ConfigTable.load(file);
      table.allowOnly(FILE_KEYS);
      table.parsed("server", text -> HostPort.parse(text, null)).ifPresent(this::server);
      table.string("token").ifPresent(value -> token(Secret.of(value)));
      table.bool("reconnect").ifPresent(this::reconnect);
      table.bool("tls").ifPresent(this::tls);
      table.parsed("server_fingerprint", Fingerprint::parse).ifPresent(this::serverFingerprint);
      table.bool("strict").ifPresent(this::strict);
      table.parsed("state_dir", StateDirectory::expand).ifPresent(this::stateDir);
      table.parsedText("status", ClientConfig::parseStatus).ifPresent(this::status);
      for (ConfigTable entry : table.tables("tunnels")) {
        TunnelSpec spec = tunnel(entry);
        if (tunnels.containsKey(spec.name())) {
          throw entry.error(
              "name", "'" + spec.name() + "' is used by two tunnels; give each a unique name");
        }
        tunnels.put(spec.name(), spec);
      }
      for (ConfigTable entry : table.tables("visitors")) {
        VisitorSpec spec = visitor(entry);
        if (visitors.containsKey(spec.bind())) {
          throw entry.error(
              "bind", "'" + spec.bind() + "' is used by two visitors; give each its own address");
        }
        visitors.put(spec.bind(), spec);
      }
      return this;
    }

    private static TunnelSpec tunnel(ConfigTable entry) {
      entry.allowOnly(TUNNEL_KEYS);
      TunnelType type = entry.parsed("type", TunnelType::parse).orElse(TunnelType.TCP);
      HostPort local =
          entry
              .parsedText("local", text -> HostPort.parse(text, LOCALHOST))
              .orElseThrow(
                  () ->
                      entry.error(
                          "missing 'local': the local service, like local = \"127.0.0.1:3000\""));
      if (type == TunnelType.RELAY) {
        return relayTunnel(entry, local);
      }
      long remote =
          entry
              .integer("remote")
              .orElseThrow(
                  () ->
                      entry.error(
                          "missing 'remote': the public port, like remote = 9000 (0 for any)"));
      if (remote < 0 || remote > 65_535) {
        throw entry.error("remote", "must be a port between 0 and 65535, got " + remote);
      }
      String name =
          entry.parsed("name", TunnelName::check).orElse(TunnelSpec.defaultName(type, local));
      Optional<Bandwidth> bandwidth = entry.parsed("bandwidth", Bandwidth::parse);
      List<Cidr> allow = entry.parsedList("allow_sources", Cidr::parse).orElse(List.of());
      List<Cidr> deny = entry.parsedList("deny_sources", Cidr::parse).orElse(List.of());
      if (allow.size() > SourceFilter.MAX_BLOCKS || deny.size() > SourceFilter.MAX_BLOCKS) {
        throw entry.error("at most " + SourceFilter.MAX_BLOCKS + " address blocks per source list");
      }
      Secret secret = entry.string("secret").map(Secret::of).orElse(Secret.none());
      try {
        return new TunnelSpec(
            name, type, local, (int) remote, bandwidth, new SourceFilter(allow, deny), secret);
      } catch (IllegalArgumentException e) {
        throw entry.error("secret", "is invalid: " + e.getMessage());
      }
    }

    /** A {@code type = "relay"} tunnel: a name and a secret, and no public port. */
    private static TunnelSpec relayTunnel(ConfigTable entry, HostPort local) {
      for (String publicKey : List.of("remote", "allow_sources", "deny_sources")) {
        if (entry.has(publicKey)) {
          throw entry.error(
              publicKey,
              "does not apply to a relay tunnel, which opens no public port: visitors reach it"
                  + " with its secret");
        }
      }
      String name =
          entry
              .parsed("name", TunnelName::check)
              .orElseThrow(
                  () ->
                      entry.error(
                          "missing 'name': visitors ask for a relay tunnel by name, like name ="
                              + " \"home-ssh\""));
      Secret secret = entry.string("secret").map(Secret::of).orElse(Secret.none());
      Optional<Bandwidth> bandwidth = entry.parsed("bandwidth", Bandwidth::parse);
      try {
        return new TunnelSpec(
            name, TunnelType.RELAY, local, 0, bandwidth, SourceFilter.ANY, secret);
      } catch (IllegalArgumentException e) {
        throw entry.error("secret", "is invalid: " + e.getMessage());
      }
    }

    private static VisitorSpec visitor(ConfigTable entry) {
      entry.allowOnly(VISITOR_KEYS);
      String name =
          entry
              .parsed("name", TunnelName::check)
              .orElseThrow(
                  () ->
                      entry.error(
                          "missing 'name': the relay tunnel to visit, like name = \"home-ssh\""));
      HostPort bind =
          entry
              .parsedText("bind", text -> HostPort.parse(text, LOCALHOST))
              .orElseThrow(
                  () ->
                      entry.error(
                          "missing 'bind': where local programs connect, like bind ="
                              + " \"127.0.0.1:2222\""));
      Secret secret = entry.string("secret").map(Secret::of).orElse(Secret.none());
      try {
        return new VisitorSpec(name, secret, bind);
      } catch (IllegalArgumentException e) {
        throw entry.error("secret", "is invalid: " + e.getMessage());
      }
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

    public ClientConfig build() {
      if (server == null) {
        throw new ConfigException(
            "no server given: pass --server HOST:PORT or set server = \"HOST:PORT\" in the config");
      }
      if (tunnels.isEmpty() && visitors.isEmpty()) {
        throw new ConfigException(
            "no tunnel given: pass --local PORT --remote PORT, or add [[tunnels]] to the config"
                + " (or, to reach a relay tunnel, run pipe visit or add [[visitors]])");
      }
      if (!tls && (pin.isPresent() || strict)) {
        throw new ConfigException(
            "--server-fingerprint and --strict check the server's TLS certificate; they make no"
                + " sense with --no-tls");
      }
      return new ClientConfig(
          server,
          token,
          new ArrayList<>(tunnels.values()),
          new ArrayList<>(visitors.values()),
          reconnect,
          new ClientTls(tls, pin, strict, stateDir),
          status);
    }
  }
}
