package dev.pipe.cli;

import dev.pipe.client.ClientConfig;
import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigTable;
import dev.pipe.server.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipe check}: validates a config file as {@code pipe server} or {@code pipe client} would
 * at start and at every reload, and prints every problem with its line and the fix.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Validate a server or client config file: print every problem with its line and what to",
      "write instead (exit 1), or a one-line summary (exit 0). The same checks run when the",
      "server or client starts and when it reloads the file."
    })
final class CheckCommand implements Callable<Integer> {

  /** Which program reads the file. */
  enum Kind {
    server,
    client
  }

  @Option(names = "--config", paramLabel = "FILE", required = true, description = "The file.")
  Path config;

  @Option(
      names = "--as",
      paramLabel = "KIND",
      description =
          "server or client (default: client if the file has 'server' or [[tunnels]], else"
              + " server).")
  Kind kind;

  @Override
  public Integer call() {
    try {
      Kind reader = kind == null ? guess() : kind;
      String summary =
          switch (reader) {
            case server -> server();
            case client -> client();
          };
      System.out.println(config + ": valid " + reader + " config (" + summary + ")");
      return 0;
    } catch (ConfigException e) {
      List<String> problems = e.problems();
      System.out.println(
          config
              + ": "
              + problems.size()
              + (problems.size() == 1 ? " problem" : " problems")
              + " (nothing was started)");
      problems.forEach(problem -> System.out.println("  " + problem));
      return Errors.USAGE_OR_CONFIG;
    }
  }

  private Kind guess() {
    ConfigTable table = ConfigTable.load(config);
    return table.has("server") || table.has("tunnels") ? Kind.client : Kind.server;
  }

  private String server() {
    ServerConfig built = ServerConfig.builder().file(config).build();
    return "control port " + built.port() + ", admin " + (built.admin().enabled() ? "on" : "off");
  }

  private String client() {
    ClientConfig built = ClientConfig.builder().file(config).build();
    int tunnels = built.tunnels().size();
    return "server " + built.server() + ", " + tunnels + (tunnels == 1 ? " tunnel" : " tunnels");
  }
}
