package dev.pipe.server;

import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigTable;
import dev.pipe.config.Durations;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Secret;
import java.nio.file.Path;
import java.time.Duration;
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
    Duration shutdownGrace) {

  public static final int DEFAULT_PORT = 8910;

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
          "shutdown_grace");

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

    /** The finished config; refuses to run without a token unless no-auth was asked for. */
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
          shutdownGrace);
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
