package dev.pipe.server;

import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigProblems;
import dev.pipe.config.ConfigTable;
import dev.pipe.config.Durations;
import dev.pipe.proto.Limits;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Every bound on what a stranger can make the server hold, and the timeouts that end a wait.
 * docs/security.md lists them with their reasons.
 */
public record ServerLimits(
    Duration handshakeTimeout,
    Duration heartbeatInterval,
    Duration pendingTimeout,
    Duration shutdownGrace,
    int maxUnauthenticatedConnections,
    int maxUnauthenticatedPerSource,
    int maxClients,
    int maxTunnelsPerClient,
    int maxConnectionsPerTunnel,
    int maxPendingConnections,
    int maxPoolPerClient,
    int maxGroupMembers,
    int maxFrameBytes,
    int loginFailuresBeforeBan,
    Duration loginFailureWindow,
    Duration banDuration,
    Duration httpHeaderTimeout,
    Duration httpIdleTimeout,
    int maxHttpHeaderBytes,
    int maxHttpHeaderLines,
    int maxHttpConnections,
    int maxHttpConnectionsPerSource,
    int httpAuthFailuresBeforeBan,
    RelayLimits relay) {

  /**
   * The most a request head may be configured to hold: every connection on the HTTP port has a read
   * buffer, and a head must fit in memory while it is read.
   */
  static final int MAX_HTTP_HEADER_BYTES = 1024 * 1024;

  /** The config file keys, each a field above in snake_case, and the relay's. */
  static final Set<String> FILE_KEYS = fileKeys();

  private static Set<String> fileKeys() {
    Set<String> keys =
        new HashSet<>(
            Set.of(
                "handshake_timeout",
                "heartbeat_interval",
                "pending_timeout",
                "shutdown_grace",
                "max_unauthenticated_connections",
                "max_unauthenticated_per_source",
                "max_clients",
                "max_tunnels_per_client",
                "max_connections_per_tunnel",
                "max_pending_connections",
                "max_pool_per_client",
                "max_group_members",
                "max_frame_bytes",
                "login_failures_before_ban",
                "login_failure_window",
                "ban_duration",
                "http_header_timeout",
                "http_idle_timeout",
                "max_http_header_bytes",
                "max_http_header_lines",
                "max_http_connections",
                "max_http_connections_per_source",
                "http_auth_failures_before_ban"));
    keys.addAll(RelayLimits.FILE_KEYS);
    return Set.copyOf(keys);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults first, then the file, then whatever the caller sets. */
  public static final class Builder {
    private Duration handshakeTimeout = Limits.HANDSHAKE_TIMEOUT;
    private Duration heartbeatInterval = Limits.HEARTBEAT_INTERVAL;
    private Duration pendingTimeout = Limits.PENDING_CONNECTION_TTL;
    private Duration shutdownGrace = Limits.SHUTDOWN_GRACE;
    private int maxUnauthenticatedConnections = 1_024;
    private int maxUnauthenticatedPerSource = 64;
    private int maxClients = 1_024;
    private int maxTunnelsPerClient = Limits.MAX_TUNNELS_PER_CLIENT;
    private int maxConnectionsPerTunnel = 10_000;
    private int maxPendingConnections = Limits.MAX_PENDING_CONNECTIONS;
    private int maxPoolPerClient = 32;
    private int maxGroupMembers = 64;
    private int maxFrameBytes = Limits.MAX_FRAME_BYTES;
    private int loginFailuresBeforeBan = 5;
    private Duration loginFailureWindow = Duration.ofMinutes(1);
    private Duration banDuration = Duration.ofMinutes(5);
    private Duration httpHeaderTimeout = Duration.ofSeconds(10);
    private Duration httpIdleTimeout = Duration.ofSeconds(60);
    private int maxHttpHeaderBytes = 32 * 1024;
    private int maxHttpHeaderLines = 100;
    private int maxHttpConnections = 10_000;
    private int maxHttpConnectionsPerSource = 256;
    private int httpAuthFailuresBeforeBan = 10;
    private final RelayLimits.Builder relay = RelayLimits.builder();

    private Builder() {}

    void file(ConfigTable table) {
      table.parsed("handshake_timeout", Durations::parse).ifPresent(this::handshakeTimeout);
      table.parsed("heartbeat_interval", Durations::parse).ifPresent(this::heartbeatInterval);
      table.parsed("pending_timeout", Durations::parse).ifPresent(this::pendingTimeout);
      table.parsed("shutdown_grace", Durations::parse).ifPresent(this::shutdownGrace);
      count(table, "max_unauthenticated_connections")
          .ifPresent(v -> maxUnauthenticatedConnections = v);
      count(table, "max_unauthenticated_per_source")
          .ifPresent(v -> maxUnauthenticatedPerSource = v);
      count(table, "max_clients").ifPresent(v -> maxClients = v);
      count(table, "max_tunnels_per_client").ifPresent(v -> maxTunnelsPerClient = v);
      count(table, "max_connections_per_tunnel").ifPresent(v -> maxConnectionsPerTunnel = v);
      count(table, "max_pending_connections").ifPresent(v -> maxPendingConnections = v);
      table
          .integer("max_pool_per_client")
          .ifPresent(
              value -> {
                if (value < 0 || value > Limits.MAX_POOL_CONNECTIONS) {
                  table.report(
                      table.error(
                          "max_pool_per_client",
                          "must be between 0 (no pool) and "
                              + Limits.MAX_POOL_CONNECTIONS
                              + ", got "
                              + value));
                } else {
                  maxPoolPerClient = value.intValue();
                }
              });
      count(table, "max_group_members").ifPresent(v -> maxGroupMembers = v);
      count(table, "max_frame_bytes").ifPresent(v -> maxFrameBytes = v);
      count(table, "login_failures_before_ban").ifPresent(v -> loginFailuresBeforeBan = v);
      table.parsed("login_failure_window", Durations::parse).ifPresent(v -> loginFailureWindow = v);
      table.parsed("ban_duration", Durations::parse).ifPresent(v -> banDuration = v);
      table.parsed("http_header_timeout", Durations::parse).ifPresent(v -> httpHeaderTimeout = v);
      table.parsed("http_idle_timeout", Durations::parse).ifPresent(v -> httpIdleTimeout = v);
      count(table, "max_http_header_bytes").ifPresent(v -> maxHttpHeaderBytes = v);
      count(table, "max_http_header_lines").ifPresent(v -> maxHttpHeaderLines = v);
      count(table, "max_http_connections").ifPresent(v -> maxHttpConnections = v);
      count(table, "max_http_connections_per_source")
          .ifPresent(v -> maxHttpConnectionsPerSource = v);
      count(table, "http_auth_failures_before_ban").ifPresent(v -> httpAuthFailuresBeforeBan = v);
      relay.file(table);
    }

    private static Optional<Integer> count(ConfigTable table, String key) {
      return table
          .integer(key)
          .flatMap(
              value -> {
                if (value < 1 || value > Integer.MAX_VALUE) {
                  table.report(
                      table.error(key, "must be a whole number of at least 1, got " + value));
                  return Optional.empty();
                }
                return Optional.of(value.intValue());
              });
    }

    public Builder handshakeTimeout(Duration value) {
      handshakeTimeout = value;
      return this;
    }

    public Builder heartbeatInterval(Duration value) {
      heartbeatInterval = value;
      return this;
    }

    public Builder pendingTimeout(Duration value) {
      pendingTimeout = value;
      return this;
    }

    public Builder shutdownGrace(Duration value) {
      shutdownGrace = value;
      return this;
    }

    public Builder maxUnauthenticatedConnections(int value) {
      maxUnauthenticatedConnections = value;
      return this;
    }

    public Builder maxUnauthenticatedPerSource(int value) {
      maxUnauthenticatedPerSource = value;
      return this;
    }

    public Builder maxClients(int value) {
      maxClients = value;
      return this;
    }

    public Builder maxConnectionsPerTunnel(int value) {
      maxConnectionsPerTunnel = value;
      return this;
    }

    public Builder maxPendingConnections(int value) {
      maxPendingConnections = value;
      return this;
    }

    public Builder maxPoolPerClient(int value) {
      maxPoolPerClient = value;
      return this;
    }

    public Builder maxGroupMembers(int value) {
      maxGroupMembers = value;
      return this;
    }

    public Builder loginFailuresBeforeBan(int value) {
      loginFailuresBeforeBan = value;
      return this;
    }

    public Builder banDuration(Duration value) {
      banDuration = value;
      return this;
    }

    public Builder httpHeaderTimeout(Duration value) {
      httpHeaderTimeout = value;
      return this;
    }

    public Builder httpIdleTimeout(Duration value) {
      httpIdleTimeout = value;
      return this;
    }

    public Builder maxHttpHeaderBytes(int value) {
      maxHttpHeaderBytes = value;
      return this;
    }

    public Builder maxHttpConnectionsPerSource(int value) {
      maxHttpConnectionsPerSource = value;
      return this;
    }

    public Builder httpAuthFailuresBeforeBan(int value) {
      httpAuthFailuresBeforeBan = value;
      return this;
    }

    /** Adjusts the relay's limits. */
    public Builder relay(Consumer<RelayLimits.Builder> change) {
      change.accept(relay);
      return this;
    }

    /**
     * The limits, or empty after recording in {@code problems} each value that is out of range.
     *
     * @param file where the values came from, to place the problems; null for flags only
     */
    Optional<ServerLimits> build(ConfigProblems problems, ConfigTable file) {
      boolean fine = true;
      if (heartbeatInterval.toMillis() < 10) {
        fine = false;
        problems.add(
            new ConfigException(
                where(file, "heartbeat_interval") + "heartbeat_interval must be at least 10ms"));
      }
      if (maxFrameBytes < 1_024 || maxFrameBytes > Limits.MAX_FRAME_BYTES) {
        fine = false;
        problems.add(
            new ConfigException(
                where(file, "max_frame_bytes")
                    + "max_frame_bytes must be between 1024 and the protocol's "
                    + Limits.MAX_FRAME_BYTES
                    + ", got "
                    + maxFrameBytes));
      }
      if (maxHttpHeaderBytes < 1_024 || maxHttpHeaderBytes > MAX_HTTP_HEADER_BYTES) {
        fine = false;
        problems.add(
            new ConfigException(
                where(file, "max_http_header_bytes")
                    + "max_http_header_bytes must be between 1024 and "
                    + MAX_HTTP_HEADER_BYTES
                    + ", got "
                    + maxHttpHeaderBytes));
      }
      Optional<RelayLimits> relayLimits = relay.build(problems, file);
      return fine && relayLimits.isPresent()
          ? Optional.of(build(relayLimits.get()))
          : Optional.empty();
    }

    private ServerLimits build(RelayLimits relayLimits) {
      return new ServerLimits(
          handshakeTimeout,
          heartbeatInterval,
          pendingTimeout,
          shutdownGrace,
          maxUnauthenticatedConnections,
          maxUnauthenticatedPerSource,
          maxClients,
          maxTunnelsPerClient,
          maxConnectionsPerTunnel,
          maxPendingConnections,
          maxPoolPerClient,
          maxGroupMembers,
          maxFrameBytes,
          loginFailuresBeforeBan,
          loginFailureWindow,
          banDuration,
          httpHeaderTimeout,
          httpIdleTimeout,
          maxHttpHeaderBytes,
          maxHttpHeaderLines,
          maxHttpConnections,
          maxHttpConnectionsPerSource,
          httpAuthFailuresBeforeBan,
          relayLimits);
    }
  }

  /** {@code file:line: } to place a problem at {@code key}; empty when only flags were given. */
  static String where(ConfigTable file, String key) {
    return file == null ? "" : file.location(key) + ": ";
  }
}
