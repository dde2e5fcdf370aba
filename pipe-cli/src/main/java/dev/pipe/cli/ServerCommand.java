package dev.pipe.cli;

import dev.pipe.config.ConfigException;
import dev.pipe.config.Durations;
import dev.pipe.server.PipeServer;
import dev.pipe.server.PortRanges;
import dev.pipe.server.ServerConfig;
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
      "Flags override the config file; the token can also come from PIPE_TOKEN."
    })
final class ServerCommand implements Callable<Integer> {

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      description = "Address to listen on (default 0.0.0.0).")
  String bind;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "Control port (default 8910; 0 picks a free one).")
  Integer port;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "Shared secret clients must prove they hold (or PIPE_TOKEN).")
  String token;

  @Option(
      names = "--allow-ports",
      paramLabel = "RANGES",
      description = "Public ports clients may claim, like 9000-9100,9200 (default 1024-65535).")
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
      names = "--no-tls",
      description = "Plain TCP instead of TLS 1.3: only on a network you trust, or to benchmark.")
  boolean noTls;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      description = "Certificate chain to present (default: a self-signed one in the state dir).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Where the generated certificate is kept (default ~/.pipe).")
  Path stateDir;

  @Option(names = "--config", paramLabel = "FILE", description = "A server config file (TOML).")
  Path config;

  @Override
  public Integer call() throws Exception {
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
    PipeServer server = PipeServer.start(builder.build());
    Shutdown.onSignal(server::close);
    server.awaitClosed();
    return 0;
  }
}
