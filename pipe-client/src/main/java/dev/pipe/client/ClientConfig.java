package dev.pipe.client;

import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigTable;
import dev.pipe.config.HostPort;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proto.UdpSessions;
import dev.pipe.proxy.Bandwidth;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything {@code pipe client} can be told, from flags or a TOML file. Build it with {@link
 * #builder()}: the file first, then the flags, which override it.
 */
public record ClientConfig(
    HostPort server, Secret token, List<TunnelSpec> tunnels, boolean reconnect) {

  public static final String LOCALHOST = "127.0.0.1";

  static final Set<String> FILE_KEYS = Set.of("server", "token", "reconnect", "tunnels");
  static final Set<String> TUNNEL_KEYS =
      Set.of("name", "type", "local", "remote", "bandwidth", "idle_timeout", "max_sessions");

  /** Keys that only a UDP tunnel may hold. */
  private static final Set<String> UDP_KEYS = Set.of("idle_timeout", "max_sessions");

  public ClientConfig {
    tunnels = List.copyOf(tunnels);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects settings; later calls override earlier ones. */
  public static final class Builder {
    private HostPort server;
    private Secret token = Secret.none();
    private boolean reconnect = true;
    private final Map<String, TunnelSpec> tunnels = new LinkedHashMap<>();

    private Builder() {}

    /** Applies every key of a client config file, including its {@code [[tunnels]]}. */
    public Builder file(Path file) {
      ConfigTable table = ConfigTable.load(file);
      table.allowOnly(FILE_KEYS);
      table.parsed("server", text -> HostPort.parse(text, null)).ifPresent(this::server);
      table.string("token").ifPresent(value -> token(Secret.of(value)));
      table.bool("reconnect").ifPresent(this::reconnect);
      for (ConfigTable entry : table.tables("tunnels")) {
        TunnelSpec spec = tunnel(entry);
        if (tunnels.containsKey(spec.name())) {
          throw entry.error(
              "name", "'" + spec.name() + "' is used by two tunnels; give each a unique name");
        }
        tunnels.put(spec.name(), spec);
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
      return new TunnelSpec(name, type, local, (int) remote, bandwidth, udpSessions(entry, type));
    }

    private static Optional<UdpSessions> udpSessions(ConfigTable entry, TunnelType type) {
      return switch (type) {
        case TCP -> {
          for (String key : UDP_KEYS) {
            if (entry.has(key)) {
              throw entry.error(
                  key, "applies to udp tunnels only; remove it or set type = \"udp\"");
            }
          }
          yield Optional.empty();
        }
        case UDP ->
            Optional.of(
                new UdpSessions(
                    entry
                        .parsed("idle_timeout", TunnelSpec::parseIdleTimeout)
                        .orElse(Limits.UDP_IDLE_TIMEOUT)
                        .toMillis(),
                    entry
                        .parsedText("max_sessions", TunnelSpec::parseMaxSessions)
                        .orElse(Limits.UDP_MAX_SESSIONS)));
      };
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

    /** Adds a tunnel, replacing a file tunnel of the same name. */
    public Builder tunnel(TunnelSpec spec) {
      tunnels.put(spec.name(), spec);
      return this;
    }

    public ClientConfig build() {
      if (server == null) {
        throw new ConfigException(
            "no server given: pass --server HOST:PORT or set server = \"HOST:PORT\" in the config");
      }
      if (tunnels.isEmpty()) {
        throw new ConfigException(
            "no tunnel given: pass --local PORT --remote PORT, or add [[tunnels]] to the config");
      }
      return new ClientConfig(server, token, new ArrayList<>(tunnels.values()), reconnect);
    }
  }
}
