package dev.pipe.cli;

import dev.pipe.admin.AdminServer;
import dev.pipe.admin.PrometheusMetrics;
import dev.pipe.config.ConfigException;
import dev.pipe.config.Durations;
import dev.pipe.proto.HostName;
import dev.pipe.proto.Secret;
import dev.pipe.server.PipeServer;
import dev.pipe.server.PortRanges;
import dev.pipe.server.RelayLimits;
import dev.pipe.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipe server}: runs the public side until it is stopped. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Run the public side: clients connect to the control port and open tunnels on public ports.",
      "Flags override the config file. Most flags can also come from the environment, as",
      "PIPE_ variables (PIPE_TOKEN, PIPE_ADMIN_TOKEN, PIPE_ALLOW_PORTS, ...): see each flag.",
      "The admin port serves the dashboard, the JSON API, /metrics and /healthz.",
      "With --config, changes to [[users]] and limits in the file apply while it runs."
    })
final class ServerCommand implements Callable<Integer> {

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "${env:PIPE_BIND}",
      description = "Address to listen on (default 0.0.0.0; or PIPE_BIND).")
  String bind;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "${env:PIPE_PORT}",
      description = "Control port (default 8910; 0 picks a free one; or PIPE_PORT).")
  Integer port;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "Shared secret clients must prove they hold (or PIPE_TOKEN).")
  String token;

  @Option(
      names = "--allow-ports",
      paramLabel = "RANGES",
      defaultValue = "${env:PIPE_ALLOW_PORTS}",
      description =
          "Public ports clients may claim, like 9000-9100,9200 (default 1024-65535; or"
              + " PIPE_ALLOW_PORTS).")
  String allowPorts;

  @Option(
      names = "--allow-no-auth",
      description = "Run without a token: anyone who reaches the control port can open tunnels.")
  Boolean allowNoAuth;

  @Option(
      names = "--heartbeat-interval",
      paramLabel = "DURATION",
      description = "How often each side sends a heartbeat, like 10s (default); 3 missed = dead.")
  String heartbeatInterval;

  @Option(
      names = {"--max-clients", "--max-conns"},
      paramLabel = "N",
      description = "Most clients logged in at once (default 1024; --max-conns as relays name it).")
  Integer maxClients;

  @Option(
      names = "--max-reservations",
      paramLabel = "N",
      description = "Most relay tunnels reserved at once (default 128; 0: no limit).")
  Integer maxReservations;

  @Option(
      names = "--max-circuits",
      paramLabel = "N",
      description = "Most relay circuits open at once (default 16; 0: no limit).")
  Integer maxCircuits;

  @Option(
      names = "--max-circuits-per-peer",
      paramLabel = "N",
      description =
          "Most circuits of one visitor address, or of one provider (default 4; 0: no limit).")
  Integer maxCircuitsPerPeer;

  @Option(
      names = "--reservation-ttl",
      paramLabel = "DURATION",
      description =
          "How long a relay reservation lasts unless its provider refreshes it (default 1h; 0:"
              + " while the provider is connected).")
  String reservationTtl;

  @Option(
      names = "--max-circuit-duration",
      paramLabel = "DURATION",
      description = "A relay circuit is closed after this long (default 2m; 0: no limit).")
  String maxCircuitDuration;

  @Option(
      names = "--max-circuit-rate",
      paramLabel = "RATE",
      description = "Each direction of a relay circuit is slowed to this (default 1MB; 0: none).")
  String maxCircuitRate;

  @Option(
      names = "--no-tls",
      defaultValue = "${env:PIPE_NO_TLS:-false}",
      description =
          "Plain TCP instead of TLS 1.3: only on a network you trust, or to benchmark (or"
              + " PIPE_NO_TLS=true).")
  boolean noTls;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      defaultValue = "${env:PIPE_TLS_CERT}",
      description =
          "Certificate chain to present (default: a self-signed one in the state dir; or"
              + " PIPE_TLS_CERT).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      defaultValue = "${env:PIPE_TLS_KEY}",
      description = "Private key of --tls-cert (or PIPE_TLS_KEY).")
  Path tlsKey;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      defaultValue = "${env:PIPE_STATE_DIR}",
      description =
          "Where the generated certificate is kept (default ~/.pipe; or PIPE_STATE_DIR); it must"
              + " survive restarts, or clients see a new certificate.")
  Path stateDir;

  @Option(
      names = "--admin-port",
      paramLabel = "PORT",
      defaultValue = "${env:PIPE_ADMIN_PORT}",
      description = "Admin port (default 8911; 0 picks a free one; or PIPE_ADMIN_PORT).")
  Integer adminPort;

  @Option(
      names = "--admin-bind",
      paramLabel = "ADDR",
      defaultValue = "${env:PIPE_ADMIN_BIND}",
      description =
          "Admin address (default 127.0.0.1; or PIPE_ADMIN_BIND). Any other address needs"
              + " --admin-token or --admin-user and --admin-password.")
  String adminBind;

  @Option(
      names = "--admin-token",
      paramLabel = "TOKEN",
      defaultValue = "${env:PIPE_ADMIN_TOKEN}",
      description =
          "Secret for the admin API and dashboard: 'Bearer TOKEN', or the password of basic auth"
              + " (or PIPE_ADMIN_TOKEN).")
  String adminToken;

  @Option(
      names = "--admin-user",
      paramLabel = "USER",
      defaultValue = "${env:PIPE_ADMIN_USER}",
      description = "User name for basic auth on the admin port (or PIPE_ADMIN_USER).")
  String adminUser;

  @Option(
      names = "--admin-password",
      paramLabel = "PASSWORD",
      defaultValue = "${env:PIPE_ADMIN_PASSWORD}",
      description = "Password for basic auth on the admin port (or PIPE_ADMIN_PASSWORD).")
  String adminPassword;

  @Option(
      names = "--no-admin",
      description = "Run no admin listener: no dashboard, API, metrics or health check.")
  boolean noAdmin;

  @Option(
      names = "--domain",
      paramLabel = "DOMAIN",
      defaultValue = "${env:PIPE_DOMAIN}",
      description =
          "Serve http tunnels as subdomains of DOMAIN, like demo.DOMAIN (needs *.DOMAIN in DNS;"
              + " or PIPE_DOMAIN). Opens the HTTP port, 80 unless --http-port says otherwise.")
  String domain;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      defaultValue = "${env:PIPE_HTTP_PORT}",
      description =
          "The port all http tunnels share, routed by Host (0 picks one; or PIPE_HTTP_PORT).")
  Integer httpPort;

  @Option(
      names = "--http-bind",
      paramLabel = "ADDR",
      defaultValue = "${env:PIPE_HTTP_BIND}",
      description =
          "Address of the HTTP port (default: --bind); 127.0.0.1 behind Caddy (or PIPE_HTTP_BIND).")
  String httpBind;

  @Option(
      names = "--https-port",
      paramLabel = "PORT",
      defaultValue = "${env:PIPE_HTTPS_PORT}",
      description =
          "The port all https tunnels share, routed by TLS SNI without decrypting (or"
              + " PIPE_HTTPS_PORT).")
  Integer httpsPort;

  @Option(
      names = "--public-https",
      defaultValue = "${env:PIPE_PUBLIC_HTTPS:-false}",
      description =
          "Users reach http tunnels through HTTPS (Caddy in front): give clients https:// URLs (or"
              + " PIPE_PUBLIC_HTTPS=true).")
  boolean publicHttps;

  @Option(
      names = "--ask-port",
      paramLabel = "PORT",
      defaultValue = "${env:PIPE_ASK_PORT}",
      description =
          "Answer Caddy's on-demand TLS ask check on 127.0.0.1:PORT, 8913 in the shipped"
              + " Caddyfile (or PIPE_ASK_PORT).")
  Integer askPort;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      defaultValue = "${env:PIPE_CONFIG}",
      description = "A server config file (TOML; or PIPE_CONFIG).")
  Path config;

  @Override
  public Integer call() throws Exception {
    ServerConfig serverConfig = load();
    PrometheusMetrics metrics = new PrometheusMetrics();
    PipeServer server = PipeServer.start(serverConfig, metrics);
    AdminServer admin = null;
    if (serverConfig.admin().enabled()) {
      try {
        admin = AdminServer.start(serverConfig.admin(), server, metrics);
      } catch (IOException e) {
        server.close();
        throw e;
      }
    }
    AdminServer started = admin;
    Reloader reloader = Reloader.watch(config, () -> server.reload(load()));
    // The admin listener closes last, so that /healthz reports the shutdown while it happens.
    Shutdown.onSignal(
        () -> {
          reloader.close();
          server.close();
          if (started != null) {
            started.close();
          }
        });
    server.awaitClosed();
    return 0;
  }

  /** The config file, if any, with the flags applied over it; run again on each reload. */
  private ServerConfig load() {
    ServerConfig.Builder builder = ServerConfig.builder();
    if (config != null) {
      builder.file(config);
    }
    if (bind != null) {
      builder.bindAddress(bind);
    }
    if (port != null) {
      builder.port(port);
    }
    TokenSource.fromFlagOrEnvironment(token).ifPresent(builder::token);
    if (allowPorts != null) {
      builder.allowedPorts(Flags.parse("--allow-ports", allowPorts, PortRanges::parse));
    }
    if (allowNoAuth != null) {
      builder.allowNoAuth(allowNoAuth);
    }
    if (heartbeatInterval != null) {
      Duration interval = Flags.parse("--heartbeat-interval", heartbeatInterval, Durations::parse);
      builder.limits(limits -> limits.heartbeatInterval(interval));
    }
    limitFlags(builder);
    if (noTls) {
      builder.tls(false);
    }
    if (tlsCert != null || tlsKey != null) {
      if (tlsCert == null || tlsKey == null) {
        throw new ConfigException("--tls-cert and --tls-key go together: give both PEM files");
      }
      builder.tlsFiles(tlsCert, tlsKey);
    }
    if (stateDir != null) {
      builder.stateDir(stateDir);
    }
    adminFlags(builder);
    httpFlags(builder);
    return builder.build();
  }

  private void httpFlags(ServerConfig.Builder builder) {
    if (domain != null) {
      builder.domain(Flags.parse("--domain", domain, HostName::name));
    }
    if (httpPort != null) {
      builder.httpPort(httpPort);
    }
    if (httpBind != null) {
      builder.httpBind(httpBind);
    }
    if (httpsPort != null) {
      builder.httpsPort(httpsPort);
    }
    if (publicHttps) {
      builder.publicHttps(true);
    }
    if (askPort != null) {
      builder.askPort(askPort);
    }
  }

  private void limitFlags(ServerConfig.Builder builder) {
    if (maxClients != null) {
      builder.limits(limits -> limits.maxClients(maxClients));
    }
    builder.limits(
        limits ->
            limits.relay(
                relay -> {
                  if (maxReservations != null) {
                    relay.maxReservations(maxReservations);
                  }
                  if (maxCircuits != null) {
                    relay.maxCircuits(maxCircuits);
                  }
                  if (maxCircuitsPerPeer != null) {
                    relay.maxCircuitsPerPeer(maxCircuitsPerPeer);
                  }
                  if (reservationTtl != null) {
                    relay.reservationTtl(
                        Flags.parse("--reservation-ttl", reservationTtl, RelayLimits::duration));
                  }
                  if (maxCircuitDuration != null) {
                    relay.maxCircuitDuration(
                        Flags.parse(
                            "--max-circuit-duration", maxCircuitDuration, RelayLimits::duration));
                  }
                  if (maxCircuitRate != null) {
                    relay.maxCircuitRate(
                        Flags.parse("--max-circuit-rate", maxCircuitRate, RelayLimits::rate));
                  }
                }));
  }

  private void adminFlags(ServerConfig.Builder builder) {
    if (noAdmin) {
      builder.adminEnabled(false);
    }
    if (adminPort != null) {
      builder.adminPort(adminPort);
    }
    if (adminBind != null) {
      builder.adminBind(adminBind);
    }
    if (adminToken != null && !adminToken.isEmpty()) {
      builder.adminToken(Secret.of(adminToken));
    }
    if (adminUser != null) {
      builder.adminUser(adminUser);
    }
    if (adminPassword != null && !adminPassword.isEmpty()) {
      builder.adminPassword(Secret.of(adminPassword));
    }
  }
}
