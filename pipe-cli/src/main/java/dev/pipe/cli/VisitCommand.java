package dev.pipe.cli;

import dev.pipe.client.ClientConfig;
import dev.pipe.client.VisitorSpec;
import dev.pipe.config.ConfigException;
import dev.pipe.config.HostPort;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pipe visit}: reaches a relay tunnel through the server from a local address. */
@Command(
    name = "visit",
    mixinStandardHelpOptions = true,
    description = {
      "Reach a relay tunnel (a provider's 'pipe client --type relay') through the",
      "server: --name home-ssh --secret K --bind 127.0.0.1:2222 makes each connection",
      "to 127.0.0.1:2222 a circuit to the provider's local service, encrypted end to",
      "end with the secret, which the server never sees. More visitors go in a config",
      "file ([[visitors]]); flags override it. With --config, changes to the file",
      "apply while it runs: added visitors start, removed ones stop."
    })
final class VisitCommand implements Callable<Integer> {

  @Mixin ConnectionOptions connection;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "The relay tunnel to reach, as its provider named it.")
  String name;

  @Option(
      names = "--secret",
      paramLabel = "SECRET",
      description =
          "The relay tunnel's secret, the provider's --secret (a config file keeps it out of"
              + " 'ps').")
  String secret;

  @Option(
      names = "--bind",
      paramLabel = "[HOST:]PORT",
      description =
          "Where local programs connect, like 127.0.0.1:2222 (host defaults to 127.0.0.1; port 0"
              + " picks a free one).")
  String bind;

  @Override
  public Integer call() throws Exception {
    return ClientRun.run(connection.config, this::load);
  }

  /** The config file, if any, with the flags applied over it; run again on each reload. */
  private ClientConfig load() {
    ClientConfig.Builder builder = connection.builder();
    if (name != null || secret != null || bind != null) {
      if (name == null || secret == null || bind == null) {
        throw new ConfigException(
            "a visitor needs --name (the relay tunnel), --secret (its secret) and --bind (the"
                + " local address to listen on)");
      }
      HostPort address =
          Flags.parse("--bind", bind, text -> HostPort.parse(text, ClientConfig.LOCALHOST));
      try {
        builder.visitor(
            new VisitorSpec(
                Flags.parse("--name", name, TunnelName::check), Secret.of(secret), address));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage());
      }
    }
    return builder.build();
  }
}
