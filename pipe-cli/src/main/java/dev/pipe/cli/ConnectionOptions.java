package dev.pipe.cli;

import dev.pipe.client.ClientConfig;
import dev.pipe.config.HostPort;
import dev.pipe.proto.Fingerprint;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of every command that connects to a server as a client ({@code pipe client}, {@code
 * pipe visit}): where the server is, how to trust it, how to log in, and what to do on the way.
 */
final class ConnectionOptions {

  @Option(
      names = "--server",
      paramLabel = "HOST:PORT",
      description = "The pipe server's control address.")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "The server's token (or PIPE_TOKEN).")
  String token;

  @Option(
      names = "--no-tls",
      description = "Plain TCP to a server run with --no-tls: only on a network you trust.")
  boolean noTls;

  @Option(
      names = "--server-fingerprint",
      paramLabel = "sha256:HEX",
      description = "Trust the server only if its certificate has this fingerprint.")
  String serverFingerprint;

  @Option(
      names = "--strict",
      description = "Refuse a server met for the first time unless --server-fingerprint pins it.")
  boolean strict;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "Where known servers are remembered (default ~/.pipe).")
  Path stateDir;

  @Option(
      names = "--no-reconnect",
      description = "Exit with status 2 when the connection to the server is lost.")
  boolean noReconnect;

  @Option(
      names = "--status",
      paramLabel = "ADDR",
      description =
          "Where 'pipe status' reads this client's state: a loopback [HOST:]PORT (default"
              + " 127.0.0.1:8912, 0 picks a free port) or off.")
  String status;

  @Option(names = "--config", paramLabel = "FILE", description = "A client config file (TOML).")
  Path config;

  /** A builder with the config file applied, then these flags over it. */
  ClientConfig.Builder builder() {
    ClientConfig.Builder builder = ClientConfig.builder();
    if (config != null) {
      builder.file(config);
    }
    if (server != null) {
      builder.server(Flags.parse("--server", server, text -> HostPort.parse(text, null)));
    }
    TokenSource.fromFlagOrEnvironment(token).ifPresent(builder::token);
    if (noReconnect) {
      builder.reconnect(false);
    }
    if (noTls) {
      builder.tls(false);
    }
    if (serverFingerprint != null) {
      builder.serverFingerprint(
          Flags.parse("--server-fingerprint", serverFingerprint, Fingerprint::parse));
    }
    if (strict) {
      builder.strict(true);
    }
    if (stateDir != null) {
      builder.stateDir(stateDir);
    }
    if (status != null) {
      builder.status(Flags.parse("--status", status, ClientConfig::parseStatus));
    }
    return builder;
  }
}
