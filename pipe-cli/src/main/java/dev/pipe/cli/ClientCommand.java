package dev.pipe.cli;

import dev.pipe.client.ClientConfig;
import dev.pipe.client.TunnelSpec;
import dev.pipe.config.ConfigException;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Bandwidth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pipe client}: exposes local ports through a pipe server until it is stopped. */
@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    description = {
      "Expose a local port on the server: --local 3000 --remote 9000 makes",
      "127.0.0.1:3000 here reachable on port 9000 of the server. With --type relay",
      "--name N --secret K --local 22 no port opens: only 'pipe visit' with the same",
      "name and secret reaches it, encrypted end to end. More tunnels go in a config",
      "file ([[tunnels]], [[visitors]]). Flags override the file; the token can also",
      "come from PIPE_TOKEN."
    })
final class ClientCommand implements Callable<Integer> {

  @Mixin ConnectionOptions connection;

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
      description =
          "What the tunnel carries: tcp (default), or relay: no public port, only visitors"
              + " holding --secret reach it (pipe visit).")
  String type;

  @Option(
      names = "--bandwidth",
      paramLabel = "RATE",
      description = "Limit each direction of the tunnel, like 1MiB or 500KB (per second).")
  String bandwidth;

  @Option(
      names = "--allow-source",
      paramLabel = "CIDR",
      description = "Let the server admit users of this tunnel only from here (repeatable).")
  List<String> allowSources = new ArrayList<>();

  @Option(
      names = "--deny-source",
      paramLabel = "CIDR",
      description = "Have the server close this tunnel's users from here at once (repeatable).")
  List<String> denySources = new ArrayList<>();

  @Option(
      names = "--secret",
      paramLabel = "SECRET",
      description =
          "With --type relay: the secret visitors must hold (12 characters or more; a config"
              + " file keeps it out of 'ps').")
  String secret;

  @Override
  public Integer call() throws Exception {
    ClientConfig.Builder builder = connection.builder();
    flagTunnel().ifPresent(builder::tunnel);
    return ClientRun.run(builder.build());
  }

  /** The tunnel the flags describe, if they describe one. */
  private Optional<TunnelSpec> flagTunnel() {
    if (local == null && remote == null) {
      if (name != null
          || type != null
          || bandwidth != null
          || secret != null
          || !allowSources.isEmpty()
          || !denySources.isEmpty()) {
        throw new ConfigException(
            "--name, --type, --secret, --bandwidth and the source lists describe a tunnel: give"
                + " --local (and --remote, but for --type relay) too");
      }
      return Optional.empty();
    }
    TunnelType tunnelType =
        type == null ? TunnelType.TCP : Flags.parse("--type", type, TunnelType::parse);
    boolean relay = tunnelType == TunnelType.RELAY;
    if (relay && remote != null) {
      throw new ConfigException(
          "a relay tunnel opens no public port: drop --remote (visitors reach it with pipe"
              + " visit)");
    }
    if (local == null || (remote == null && !relay)) {
      throw new ConfigException(
          relay
              ? "a relay tunnel needs --local [HOST:]PORT: the service its visitors reach"
              : "a tunnel needs both --local [HOST:]PORT and --remote PORT (0 for any free port)");
    }
    HostPort localAddress =
        Flags.parse("--local", local, text -> HostPort.parse(text, ClientConfig.LOCALHOST));
    String tunnelName =
        Flags.parse(
            "--name",
            name == null ? TunnelSpec.defaultName(tunnelType, localAddress) : name,
            TunnelName::check);
    Optional<Bandwidth> limit =
        Optional.ofNullable(bandwidth)
            .map(rate -> Flags.parse("--bandwidth", rate, Bandwidth::parse));
    SourceFilter sources;
    try {
      sources = SourceFilter.parse(allowSources, denySources);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--allow-source/--deny-source: " + e.getMessage());
    }
    try {
      return Optional.of(
          new TunnelSpec(
              tunnelName,
              tunnelType,
              localAddress,
              relay ? 0 : remote,
              limit,
              sources,
              secret == null ? Secret.none() : Secret.of(secret)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }
}
