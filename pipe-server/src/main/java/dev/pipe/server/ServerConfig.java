package dev.pipe.server;

import dev.pipe.config.Cidr;
import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigProblems;
import dev.pipe.config.ConfigTable;
import dev.pipe.config.Durations;
import dev.pipe.config.SourceFilter;
import dev.pipe.config.StateDirectory;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Everything {@code pipe server} can be told, from flags or a TOML file. Build it with {@link
 * #builder()}; {@link Builder#build()} refuses a configuration that would run unsafely.
 */
public record ServerConfig(
    String bindAddress,
    int port,
    Credentials credentials,
    ServerTls tls,
    ServerLimits limits,
    Duration statsInterval,
    AdminSettings admin) {

  public static final int DEFAULT_PORT = 8910;

  /** How often the stats line is logged, as the relay seed does. */
  public static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(30);

  static final Set<String> FILE_KEYS = fileKeys();
  static final Set<String> USER_KEYS =
      Set.of("name", "token", "allow_ports", "allow_names", "allow_sources", "deny_sources");

  private static Set<String> fileKeys() {
    Set<String> keys =
        new HashSet<>(
            Set.of(
                "bind",
                "port",
                "token",
                "allow_no_auth",
                "allow_ports",
                "users",
                "tls",
                "tls_cert",
                "tls_key",
                "state_dir",
                "stats_interval",
                "admin",
                "admin_bind",
                "admin_port",
                "admin_token",
                "admin_user",
                "admin_password"));
    keys.addAll(ServerLimits.FILE_KEYS);
    return Set.copyOf(keys);
  }

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
    private final List<ConfigTable> userTables = new ArrayList<>();
    private boolean tls = true;
    private Optional<Path> tlsCertificate = Optional.empty();
    private Optional<Path> tlsKey = Optional.empty();
    private Path stateDir = StateDirectory.DEFAULT;
    private final ServerLimits.Builder limits = ServerLimits.builder();
    private Duration statsInterval = DEFAULT_STATS_INTERVAL;
    private boolean adminEnabled = true;
    private String adminBind = AdminSettings.DEFAULT_BIND;
    private int adminPort = AdminSettings.DEFAULT_PORT;
    private Secret adminToken = Secret.none();
    private String adminUser;
    private Secret adminPassword = Secret.none();
    private final ConfigProblems problems = new ConfigProblems();
    private ConfigTable fileTable;

    private Builder() {}

    /**
     * Applies every key of a server config file. A problem in it is recorded and the rest still
     * read: {@link #build()} then lists every problem of the file.
     */
    public Builder file(Path file) {
      ConfigTable table = ConfigTable.load(file, problems);
      fileTable = table;
      table.allowOnly(FILE_KEYS);
      table.string("bind").ifPresent(this::bindAddress);
      table.integer("port").ifPresent(value -> port(portFrom(table, "port", value)));
      table.string("token").ifPresent(value -> token(Secret.of(value)));
      table.bool("allow_no_auth").ifPresent(this::allowNoAuth);
      table.parsedText("allow_ports", PortRanges::parse).ifPresent(this::allowedPorts);
      table.bool("tls").ifPresent(this::tls);
      table
          .parsed("tls_cert", StateDirectory::expand)
          .ifPresent(path -> tlsCertificate = Optional.of(path));
      table.parsed("tls_key", StateDirectory::expand).ifPresent(path -> tlsKey = Optional.of(path));
      table.parsed("state_dir", StateDirectory::expand).ifPresent(this::stateDir);
      limits.file(table);
      userTables.addAll(table.tables("users"));
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

    /** Turns TLS on (the default) or off. */
    public Builder tls(boolean enabled) {
      this.tls = enabled;
      return this;
    }

    /** The operator's certificate chain and private key, both PEM. */
    public Builder tlsFiles(Path certificate, Path key) {
      this.tlsCertificate = Optional.of(certificate);
      this.tlsKey = Optional.of(key);
      return this;
    }

    /** Where the server keeps its generated certificate (default ~/.pipe). */
    public Builder stateDir(Path stateDir) {
      this.stateDir = stateDir;
      return this;
    }

    /** Adjusts limits and timeouts. */
    public Builder limits(Consumer<ServerLimits.Builder> change) {
      change.accept(limits);
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
     * The finished config; refuses to run without credentials unless no-auth was asked for, and
     * refuses an admin listener open to other machines without credentials.
     *
     * @throws ConfigException listing every problem of the file and the flags, one per line
     */
    public ServerConfig build() {
      if (port < 0 || port > 65_535) {
        problems.add(new ConfigException("--port " + port + " is outside 0-65535"));
      }
      List<User> users = new ArrayList<>();
      for (ConfigTable entry : userTables) {
        user(entry).ifPresent(users::add);
      }
      AdminSettings admin =
          new AdminSettings(
              adminEnabled,
              adminBind,
              adminPort,
              adminToken,
              Optional.ofNullable(adminUser),
              adminPassword);
      problems.attempt(
          fileTable,
          "admin_bind",
          () -> {
            admin.check();
            return admin;
          });
      // A user entry with a problem is left out; judging the credentials without it would add a
      // second, misleading problem ("no token configured").
      Optional<Credentials> credentials =
          users.size() < userTables.size()
              ? Optional.empty()
              : problems.attempt(
                  fileTable,
                  "token",
                  () -> Credentials.of(token, users, allowNoAuth, allowedPorts));
      Optional<ServerLimits> builtLimits = limits.build(problems, fileTable);
      problems.throwIfAny();
      return new ServerConfig(
          bindAddress,
          port,
          credentials.orElseThrow(),
          new ServerTls(tls, tlsCertificate, tlsKey, stateDir),
          builtLimits.orElseThrow(),
          statsInterval,
          admin);
    }

    private Optional<User> user(ConfigTable entry) {
      entry.allowOnly(USER_KEYS);
      Optional<String> name = entry.parsed("name", TunnelName::check);
      if (!entry.has("name")) {
        entry.report(entry.error("missing 'name': who this user is, like name = \"alice\""));
      }
      Optional<Secret> secret =
          entry.string("token").filter(value -> !value.isEmpty()).map(Secret::of);
      if (secret.isEmpty()) {
        entry.report(entry.error("missing 'token': the secret this user's clients hold"));
      }
      PortRanges ports = entry.parsedText("allow_ports", PortRanges::parse).orElse(allowedPorts);
      List<NamePattern> names =
          entry.parsedList("allow_names", NamePattern::parse).orElse(List.of());
      List<Cidr> allow = entry.parsedList("allow_sources", Cidr::parse).orElse(List.of());
      List<Cidr> deny = entry.parsedList("deny_sources", Cidr::parse).orElse(List.of());
      if (allow.size() > SourceFilter.MAX_BLOCKS || deny.size() > SourceFilter.MAX_BLOCKS) {
        entry.report(
            entry.error("at most " + SourceFilter.MAX_BLOCKS + " address blocks per source list"));
        return Optional.empty();
      }
      if (name.isEmpty() || secret.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new User(name.get(), secret.get(), ports, names, new SourceFilter(allow, deny)));
    }

    private static int portFrom(ConfigTable table, String key, long value) {
      if (value < 0 || value > 65_535) {
        table.report(table.error(key, "must be a port between 0 and 65535, got " + value));
        return DEFAULT_PORT;
      }
      return (int) value;
    }
  }
}
