package dev.pipe.cli;

import dev.pipe.client.ClientConfig;
import dev.pipe.client.ClientListener;
import dev.pipe.client.PipeClient;
import dev.pipe.client.TunnelSpec;
import dev.pipe.config.ConfigException;
import dev.pipe.config.HostPort;
import dev.pipe.proto.Limits;
import dev.pipe.proto.TunnelType;
import dev.pipe.proto.UdpSessions;
import dev.pipe.proxy.Bandwidth;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipe client}: exposes local ports through a pipe server until it is stopped. */
@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    description = {
      "Expose a local port on the server: --local 3000 --remote 9000 makes 127.0.0.1:3000 here",
      "reachable on port 9000 of the server; add --type udp for a UDP service. More tunnels go",
      "in a config file ([[tunnels]]).",
      "Flags override the config file; the token can also come from PIPE_TOKEN."
    })
final class ClientCommand implements Callable<Integer> {

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
      names = "--local",
      paramLabel = "[HOST:]PORT",
      description = "The local service to expose (host defaults to 127.0.0.1).")
  String local;

  @Option(
      names = "--remote",
      paramLabel = "PORT",
      description = "The public port to ask for; 0 lets the server pick a free one.")
  Integer remote;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "The tunnel's name (default: TYPE-LOCALPORT).")
  String name;

  @Option(
      names = "--type",
      paramLabel = "TYPE",
      description = "What the tunnel carries: tcp (default) or udp.")
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
      names = "--bandwidth",
      paramLabel = "RATE",
      description = "Limit each direction of the tunnel, like 1MiB or 500KB (per second).")
  String bandwidth;

  @Option(
      names = "--no-reconnect",
      description = "Exit with status 2 when the connection to the server is lost.")
  boolean noReconnect;

  @Option(names = "--config", paramLabel = "FILE", description = "A client config file (TOML).")
  Path config;

  @Override
  public Integer call() throws Exception {
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
    flagTunnel().ifPresent(builder::tunnel);
    ClientConfig clientConfig = builder.build();
    try (PipeClient client = new PipeClient(clientConfig, new Printer(clientConfig.server()))) {
      Shutdown.onSignal(client::close);
      client.run();
    }
    return 0;
  }

  /** The tunnel the flags describe, if they describe one. */
  private Optional<TunnelSpec> flagTunnel() {
    if (local == null && remote == null) {
      if (name != null
          || type != null
          || bandwidth != null
          || idleTimeout != null
          || maxSessions != null) {
        throw new ConfigException(
            "--name, --type, --bandwidth, --idle-timeout and --max-sessions describe a tunnel:"
                + " give --local and --remote too");
      }
      return Optional.empty();
    }
    if (local == null || remote == null) {
      throw new ConfigException(
          "a tunnel needs both --local [HOST:]PORT and --remote PORT (0 for any free port)");
    }
    TunnelType tunnelType =
        type == null ? TunnelType.TCP : Flags.parse("--type", type, TunnelType::parse);
    HostPort localAddress =
        Flags.parse("--local", local, text -> HostPort.parse(text, ClientConfig.LOCALHOST));
    return Optional.of(
        Flags.parse(
            "--name",
            name == null ? TunnelSpec.defaultName(tunnelType, localAddress) : name,
            tunnelName ->
                new TunnelSpec(
                    tunnelName,
                    tunnelType,
                    localAddress,
                    remote,
                    Optional.ofNullable(bandwidth)
                        .map(rate -> Flags.parse("--bandwidth", rate, Bandwidth::parse)),
                    udpSessions(tunnelType))));
  }

  private Optional<UdpSessions> udpSessions(TunnelType tunnelType) {
    return switch (tunnelType) {
      case TCP -> {
        if (idleTimeout != null || maxSessions != null) {
          throw new ConfigException(
              "--idle-timeout and --max-sessions apply to udp tunnels: add --type udp");
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

  /** Prints the lines a user reads: where each tunnel can be reached, or why it was refused. */
  private record Printer(HostPort server) implements ClientListener {
    @Override
    public void tunnelReady(TunnelSpec tunnel, int remotePort) {
      System.out.println(
          "tunnel "
              + tunnel.name()
              + " ready: "
              + tunnel.type().wireName()
              + " "
              + tunnel.local()
              + " -> "
              + new HostPort(server.host(), remotePort));
      System.out.flush();
    }

    @Override
    public void tunnelRejected(TunnelSpec tunnel, String reason) {
      System.err.println("tunnel " + tunnel.name() + " rejected: " + reason);
    }
  }
}
