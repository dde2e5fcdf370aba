package dev.pipe.cli;

import dev.pipe.client.ClientConfig;
import dev.pipe.client.PipeClient;
import dev.pipe.client.StatusEndpoint;
import dev.pipe.config.HostPort;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a client until it is stopped, as {@code pipe client} and {@code pipe visit} do. */
final class ClientRun {
  private static final Logger log = LoggerFactory.getLogger(ClientRun.class);

  private ClientRun() {}

  /**
   * Runs on the calling thread; SIGINT and SIGTERM stop it gracefully. With a config file, changes
   * to it apply while the client runs ({@link PipeClient#reload}).
   *
   * @param configFile the config file, or null
   * @param load the config file with the flags over it; run again on each change of the file
   */
  static int run(Path configFile, Supplier<ClientConfig> load) throws Exception {
    ClientConfig config = load.get();
    try (PipeClient client = new PipeClient(config, new ClientPrinter(config.server()))) {
      Reloader reloader = Reloader.watch(configFile, () -> client.reload(load.get()));
      Optional<StatusEndpoint> statusEndpoint = startStatus(config, client);
      try {
        Shutdown.onSignal(client::close);
        client.run();
      } finally {
        reloader.close();
        statusEndpoint.ifPresent(StatusEndpoint::close);
      }
    }
    return 0;
  }

  /**
   * Serves this client's state to {@code pipe status}. A status port that is taken (a second client
   * on the same machine) is worth a warning, not a refusal to tunnel.
   */
  private static Optional<StatusEndpoint> startStatus(ClientConfig config, PipeClient client) {
    if (config.status().isEmpty()) {
      return Optional.empty();
    }
    HostPort address = config.status().get();
    try {
      StatusEndpoint endpoint = StatusEndpoint.start(address.toAddress(), client::status);
      log.info(
          "status on http://{}/status (read it with: pipe status --client {})",
          new HostPort(address.host(), endpoint.address().getPort()),
          new HostPort(address.host(), endpoint.address().getPort()));
      return Optional.of(endpoint);
    } catch (IOException e) {
      log.warn(
          "no status endpoint: cannot listen on {} ({}); give this client another --status"
              + " 127.0.0.1:PORT, or --status off",
          address,
          e.getMessage());
      return Optional.empty();
    }
  }
}
