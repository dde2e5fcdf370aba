package dev.pipe.server;

import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigTable;
import dev.pipe.config.Durations;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Everything {@code pipe server} can be told, from flags or a TOML file. Build it with {@link
 * #builder()}; {@link Builder#build()} refuses a configuration that would run unsafely.
 */
public record ServerConfig(
    String bindAddress,
    int port,
    Secret token,
    boolean allowNoAuth,
    PortRanges allowedPorts,
    Duration heartbeatInterval,
    Duration handshakeTimeout,
    Duration pendingTimeout,
    int maxPendingConnections,
    Duration shutdownGrace,
    Duration statsInterval,
    AdminSettings admin) {

  public static final int DEFAULT_PORT = 8910;

  /** How often the stats line is logged, as the relay seed does. */
  public static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(30);

  /** The keys a server config file may hold, in the order the README documents them. */
  static final Set<String> FILE_KEYS =
      Set.of(
          "bind",
          "port",
          "token",
          "allow_no_auth",
          "allow_ports",
          "heartbeat_interval",
          "handshake_timeout",
          "pending_timeout",
          "max_pending_connections",
          "shutdown_grace",
          "stats_interval",
          "admin",
          "admin_bind",
          "admin_port",
          "admin_token",
          "admin_user",
          "admin_password");

  public static Builder builder() {
    return new Builder();
  }

  /** Collects settings from the file and then the flags; later calls override earlier ones. */
  public static final class Builder {
    private String bindAddress = "0.0.0.0";
    private int port = DEFAULT_PORT;
    private Secret token = Secret.none();
    private boolean allowNoAuth;
    private PortRanges allowedPorts = PortRanges.UNPRIVILEGED;
    private Duration heartbeatInterval = Limits.HEARTBEAT_INTERVAL;
    private Duration handshakeTimeout = Limits.HANDSHAKE_TIMEOUT;
    private Duration pendingTimeout = Limits.PENDING_CONNECTION_TTL;
    private int maxPendingConnections = Limits.MAX_PENDING_CONNECTIONS;
    private Duration shutdownGrace = Limits.SHUTDOWN_GRACE;
    private Duration statsInterval = DEFAULT_STATS_INTERVAL;
    private boolean adminEnabled = true;
    private String adminBind = AdminSettings.DEFAULT_BIND;
    private int adminPort = AdminSettings.DEFAULT_PORT;
    private Secret adminToken = Secret.none();
    private String adminUser;
    private Secret adminPassword = Secret.none();

    private Builder() {}

    /** Applies every key of a server config file. */
    public Builder file(Path file) {
      ConfigTable table = ConfigTable.load(file);
      table.allowOnly(FILE_KEYS);
      table.string("bind").ifPresent(this::bindAddress);
      table.integer("port").ifPresent(value -> port(portFrom(table, "port", value)));
      table.string("token").ifPresent(value -> token(Secret.of(value)));
      table.bool("allow_no_auth").ifPresent(this::allowNoAuth);
      table.parsedText("allow_ports", PortRanges::parse).ifPresent(this::allowedPorts);
      table.parsed("heartbeat_interval", Durations::parse).ifPresent(this::heartbeatInterval);
      table.parsed("handshake_timeout", Durations::parse).ifPresent(this::handshakeTimeout);
      table.parsed("pending_timeout", Durations::parse).ifPresent(this::pendingTimeout);
      table
          .integer("max_pending_connections")
          .ifPresent(
              value -> maxPendingConnections(positive(table, "max_pending_connections", value)));
      table.parsed("shutdown_grace", Durations::parse).ifPresent(this::shutdownGrace);
      table.parsed("stats_interval", Durations::parse).ifPresent(this::statsInterval);
      table.bool("admin").ifPresent(this::adminEnabled);
      table.string("admin_bind").ifPresent(this::adminBind);
      table
          .integer("admin_port")
          .ifPresent(value -> adminPort(portFrom(table, "admin_port", value)));
      table.string("admin_token").ifPresent(value -> adminToken(Secret.of(value)));
      table.string("admin_user").ifPresent(this::adminUser);
      table.string("admin_password").ifPresent(value -> adminPassword(Secret.of(value)));
      return this;
    }

    public Builder bindAddress(String bindAddress) {
      this.bindAddress = bindAddress;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder token(Secret token) {
      this.token = token;
      return this;
    }

    public Builder allowNoAuth(boolean allowNoAuth) {
      this.allowNoAuth = allowNoAuth;
      return this;
    }

    public Builder allowedPorts(PortRanges allowedPorts) {
      this.allowedPorts = allowedPorts;
      return this;
    }

    public Builder heartbeatInterval(Duration heartbeatInterval) {
      this.heartbeatInterval = heartbeatInterval;
      return this;
    }

    public Builder handshakeTimeout(Duration handshakeTimeout) {
      this.handshakeTimeout = handshakeTimeout;
      return this;
    }

    public Builder pendingTimeout(Duration pendingTimeout) {
      this.pendingTimeout = pendingTimeout;
      return this;
    }

    public Builder maxPendingConnections(int maxPendingConnections) {
      this.maxPendingConnections = maxPendingConnections;
      return this;
    }

    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    /** How often the stats line is logged; zero logs none. */
    public Builder statsInterval(Duration statsInterval) {
      this.statsInterval = statsInterval;
      return this;
    }

    /** False runs no admin listener (no dashboard, API, metrics or health check). */
    public Builder adminEnabled(boolean adminEnabled) {
      this.adminEnabled = adminEnabled;
      return this;
    }

    public Builder adminBind(String adminBind) {
      this.adminBind = adminBind;
      return this;
    }

    public Builder adminPort(int adminPort) {
      this.adminPort = adminPort;
      return this;
    }

    public Builder adminToken(Secret adminToken) {
      this.adminToken = adminToken;
      return this;
    }

    public Builder adminUser(String adminUser) {
      this.adminUser = adminUser == null || adminUser.isEmpty() ? null : adminUser;
      return this;
    }

    public Builder adminPassword(Secret adminPassword) {
      this.adminPassword = adminPassword;
      return this;
    }

    /**
     * The finished config; refuses to run without a token unless no-auth was asked for, and refuses
     * an admin listener open to other machines without credentials.
     */
    public ServerConfig build() {
      if (token.isEmpty() && !allowNoAuth) {
        throw new ConfigException(
            "no token configured: anyone could open tunnels on this server; set one with --token,"
                + " the PIPE_TOKEN environment variable or 'token' in the config file"
                + " (or pass --allow-no-auth on a trusted network)");
      }
      if (port < 0 || port > 65_535) {
        throw new ConfigException("--port " + port + " is outside 0-65535");
      }
      if (heartbeatInterval.toMillis() < 10) {
        throw new ConfigException("heartbeat_interval must be at least 10ms");
      }
      AdminSettings admin =
          new AdminSettings(
              adminEnabled,
              adminBind,
              adminPort,
              adminToken,
              Optional.ofNullable(adminUser),
              adminPassword);
      admin.check();
      return new ServerConfig(
          bindAddress,
          port,
          token,
          allowNoAuth,
          allowedPorts,
          heartbeatInterval,
          handshakeTimeout,
          pendingTimeout,
          maxPendingConnections,
          shutdownGrace,
          statsInterval,
          admin);
    }

    private static int portFrom(ConfigTable table, String key, long value) {
      if (value < 0 || value > 65_535) {
        throw table.error(key, "must be a port between 0 and 65535, got " + value);
      }
      return (int) value;
    }

    private static int positive(ConfigTable table, String key, long value) {
      if (value < 1 || value > Integer.MAX_VALUE) {
        throw table.error(key, "must be a positive whole number, got " + value);
      }
      return (int) value;
    }
  }
}
