package dev.pipe.cli;

import dev.pipe.admin.AdminServer;
import dev.pipe.admin.PrometheusMetrics;
import dev.pipe.client.ClientConfig;
import dev.pipe.client.ClientFailure;
import dev.pipe.client.ClientListener;
import dev.pipe.client.PipeClient;
import dev.pipe.client.TunnelSpec;
import dev.pipe.config.HostPort;
import dev.pipe.example.HelloHttpServer;
import dev.pipe.proto.Proof;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipe demo}: a server, a client and a web app in one process on loopback, one request
 * through the tunnel, and the curl line to try it yourself.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start a pipe server, a pipe client and a small web app on 127.0.0.1, send one request",
      "through the tunnel, and keep running so you can try it (Ctrl-C stops it)."
    })
final class DemoCommand implements Callable<Integer> {
  private static final String LOOPBACK = "127.0.0.1";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  @Option(names = "--once", description = "Exit after the round trip: 0 if it worked.")
  boolean once;

  @Override
  public Integer call() throws Exception {
    Secret token = Secret.of(Proof.newNonce());
    // A throwaway state directory: the demo's certificate must not become the user's server's.
    Path state = Files.createTempDirectory("pipe-demo-");
    HelloHttpServer web = HelloHttpServer.start(LOOPBACK, 0);
    PrometheusMetrics metrics = new PrometheusMetrics();
    ServerConfig serverConfig =
        ServerConfig.builder()
            .bindAddress(LOOPBACK)
            .port(0)
            .token(token)
            .stateDir(state)
            .adminPort(0)
            .build();
    PipeServer server = PipeServer.start(serverConfig, metrics);
    AdminServer admin = AdminServer.start(serverConfig.admin(), server, metrics);
    TunnelSpec tunnel =
        new TunnelSpec("demo", TunnelType.TCP, new HostPort(LOOPBACK, web.port()), 0);
    CompletableFuture<Integer> ready = new CompletableFuture<>();
    PipeClient client =
        new PipeClient(
            ClientConfig.builder()
                .server(new HostPort(LOOPBACK, server.port()))
                .token(token)
                .serverFingerprint(server.fingerprint().orElseThrow())
                .stateDir(state)
                .tunnel(tunnel)
                .build(),
            new ReadyListener(ready));
    Runnable stop =
        () -> {
          client.close();
          server.close();
          admin.close();
          web.close();
          deleteQuietly(state);
        };
    try {
      Thread.ofVirtual().name("demo-client").start(() -> runClient(client, ready));
      int publicPort = ready.get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      String url = "http://" + LOOPBACK + ":" + publicPort + "/";
      String body = fetch(url);
      System.out.println();
      System.out.println("pipe demo: a pipe server, a pipe client and a web app on this machine");
      System.out.println(
          "  web app (the local service)  http://" + LOOPBACK + ":" + web.port() + "/");
      System.out.println("  pipe server (control port)   " + LOOPBACK + ":" + server.port());
      System.out.println(
          "  tunnel 'demo'                "
              + LOOPBACK
              + ":"
              + publicPort
              + " -> "
              + LOOPBACK
              + ":"
              + web.port());
      System.out.println(
          "  one request through it       HTTP 200: " + body.lines().findFirst().orElse(""));
      System.out.println(
          "  admin dashboard              http://" + LOOPBACK + ":" + admin.port() + "/");
      System.out.println();
      if (once) {
        System.out.println("the tunnel works.");
        return 0;
      }
      System.out.println("try it:  curl " + url);
      System.out.println("Ctrl-C stops the demo.");
      System.out.flush();
      Shutdown.onSignal(stop);
      new CountDownLatch(1).await();
      return 0;
    } catch (ExecutionException e) {
      throw new IOException("the demo tunnel did not open: " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new IOException(
          "the demo tunnel did not open within " + READY_TIMEOUT.toSeconds() + " s", e);
    } finally {
      stop.run();
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless; the demo's result does not depend on it.
    }
  }

  private static void runClient(PipeClient client, CompletableFuture<Integer> ready) {
    try {
      client.run();
    } catch (ClientFailure | IOException e) {
      ready.completeExceptionally(e);
    }
  }

  private static String fetch(String url) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("the request through the tunnel got HTTP " + response.statusCode());
      }
      return response.body();
    }
  }

  /** Completes when the demo tunnel is open, with its public port. */
  private record ReadyListener(CompletableFuture<Integer> ready) implements ClientListener {
    @Override
    public void tunnelReady(TunnelSpec tunnel, int remotePort) {
      ready.complete(remotePort);
    }

    @Override
    public void tunnelRejected(TunnelSpec tunnel, String reason) {
      ready.completeExceptionally(new IOException("the demo tunnel was rejected: " + reason));
    }

    @Override
    public void tunnelOffline(TunnelSpec tunnel, String reason) {
      // Server and client share this process: the connection between them does not drop.
    }

    @Override
    public void tunnelClosed(TunnelSpec tunnel, String reason) {
      System.out.println("tunnel demo closed from the dashboard: " + reason);
    }
  }
}
