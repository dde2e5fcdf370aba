package dev.pipe.e2e;

import dev.pipe.client.ClientConfig;
import dev.pipe.client.ClientListener;
import dev.pipe.client.ClientStatus;
import dev.pipe.client.PipeClient;
import dev.pipe.client.TunnelSpec;
import dev.pipe.client.VisitorSpec;
import dev.pipe.config.HostPort;
import dev.pipe.proto.Secret;
import dev.pipe.server.PipeServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A {@link PipeClient} running on its own thread, recording what it reports. */
final class RunningClient implements AutoCloseable, ClientListener {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final Map<String, CompletableFuture<Integer>> ready = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Web>> web = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Integer>> visitors = new ConcurrentHashMap<>();
  private final List<String> notices = new CopyOnWriteArrayList<>();
  private final Map<String, CompletableFuture<String>> rejected = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<String>> closed = new ConcurrentHashMap<>();
  private final CompletableFuture<Throwable> exit = new CompletableFuture<>();
  private final PipeClient client;

  private RunningClient(ClientConfig config) {
    this.client = new PipeClient(config, this);
    Thread.ofVirtual()
        .name("test-client")
        .start(
            () -> {
              try {
                client.run();
                exit.complete(null);
              } catch (Exception e) {
                exit.complete(e);
              }
            });
  }

  /** A client of {@code server} holding {@code token}, pinning its certificate if it has TLS. */
  static RunningClient start(PipeServer server, Secret token, TunnelSpec... tunnels) {
    return new RunningClient(config(server, token, tunnels));
  }

  /** The config of a client of {@code server}, pinning its certificate if it has TLS. */
  static ClientConfig config(PipeServer server, Secret token, TunnelSpec... tunnels) {
    ClientConfig.Builder builder = builder(server.port(), token, tunnels);
    server.fingerprint().ifPresentOrElse(builder::serverFingerprint, () -> builder.tls(false));
    return builder.build();
  }

  static RunningClient start(PipeServer server, TunnelSpec... tunnels) {
    return start(server, Fixture.TOKEN, tunnels);
  }

  /** A client without TLS, for servers played by hand in a test. */
  static RunningClient plain(int serverPort, TunnelSpec... tunnels) {
    return new RunningClient(builder(serverPort, Fixture.TOKEN, tunnels).tls(false).build());
  }

  /** A client of {@code server} that only visits relay tunnels. */
  static RunningClient visit(PipeServer server, VisitorSpec... visitors) {
    return visit(server.port(), server, visitors);
  }

  /** The same, reaching the server through {@code serverPort} (a test relay in between). */
  static RunningClient visit(int serverPort, PipeServer server, VisitorSpec... visitors) {
    ClientConfig.Builder builder = builder(serverPort, Fixture.TOKEN);
    server.fingerprint().ifPresentOrElse(builder::serverFingerprint, () -> builder.tls(false));
    for (VisitorSpec visitor : visitors) {
      builder.visitor(visitor);
    }
    return new RunningClient(builder.build());
  }

  static ClientConfig.Builder builder(int serverPort, Secret token, TunnelSpec... tunnels) {
    ClientConfig.Builder builder =
        ClientConfig.builder()
            .server(new HostPort(Fixture.LOOPBACK, serverPort))
            .token(token)
            .stateDir(Fixture.STATE);
    for (TunnelSpec tunnel : tunnels) {
      builder.tunnel(tunnel);
    }
    return builder;
  }

  static RunningClient start(ClientConfig config) {
    return new RunningClient(config);
  }

  /** Waits for the tunnel to be (re)opened and returns its public port. */
  int awaitReady(String tunnel) throws Exception {
    return ready
        .computeIfAbsent(tunnel, name -> new CompletableFuture<>())
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Where an http or https tunnel is reached, and why it got another name than it asked for. */
  record Web(List<String> urls, String notice) {
    /** The first URL's host and port, {@code demo.example.test:PORT}. */
    String authority() {
      return URI.create(urls.getFirst()).getAuthority();
    }

    /** The first URL's host name. */
    String host() {
      return URI.create(urls.getFirst()).getHost();
    }
  }

  /** Waits for an http or https tunnel to be opened. */
  Web awaitWeb(String tunnel) throws Exception {
    return web.computeIfAbsent(tunnel, name -> new CompletableFuture<>())
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits for the visitor of {@code tunnel} to be ready and returns its local port. */
  int awaitVisitor(String tunnel) throws Exception {
    return visitors
        .computeIfAbsent(tunnel, name -> new CompletableFuture<>())
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits for a report about a circuit that contains {@code fragment} and returns it. Reports read
   * {@code refused TUNNEL: ...}, {@code closed TUNNEL: ...}, {@code throttled TUNNEL: N} and {@code
   * broken TUNNEL: ...}.
   */
  String awaitNotice(String fragment) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (String notice : notices) {
        if (notice.contains(fragment)) {
          return notice;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no report containing '" + fragment + "'; reports: " + notices);
  }

  /** Every report about circuits so far. */
  List<String> notices() {
    return List.copyOf(notices);
  }

  /** Forgets that the tunnel was ready, to wait for it to be opened again after a reconnect. */
  void forgetReady(String tunnel) {
    ready.remove(tunnel);
    web.remove(tunnel);
  }

  /** Forgets that the visitor of {@code tunnel} was ready, to wait for it again after a reload. */
  void forgetVisitor(String tunnel) {
    visitors.remove(tunnel);
  }

  String awaitRejected(String tunnel) throws Exception {
    return rejected
        .computeIfAbsent(tunnel, name -> new CompletableFuture<>())
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits for the server to close the tunnel and returns the reason the client was told. */
  String awaitClosed(String tunnel) throws Exception {
    return closed
        .computeIfAbsent(tunnel, name -> new CompletableFuture<>())
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Runs with {@code next} from now on, as a changed config file would make it. */
  List<String> reload(ClientConfig next) {
    return client.reload(next);
  }

  /** What {@code pipe status} would show of this client now. */
  ClientStatus status() {
    return client.status();
  }

  /** Waits for {@code run()} to end; returns what it threw, or null if it returned. */
  Throwable awaitExit() throws Exception {
    return exit.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void tunnelReady(TunnelSpec tunnel, int remotePort) {
    ready.computeIfAbsent(tunnel.name(), name -> new CompletableFuture<>()).complete(remotePort);
  }

  @Override
  public void tunnelReady(TunnelSpec tunnel, List<String> urls, String notice) {
    web.computeIfAbsent(tunnel.name(), name -> new CompletableFuture<>())
        .complete(new Web(urls, notice));
  }

  @Override
  public void tunnelRejected(TunnelSpec tunnel, String reason) {
    rejected.computeIfAbsent(tunnel.name(), name -> new CompletableFuture<>()).complete(reason);
  }

  @Override
  public void tunnelOffline(TunnelSpec tunnel, String reason) {
    // The tests that need it wait for the tunnel to be ready again instead.
  }

  @Override
  public void tunnelClosed(TunnelSpec tunnel, String reason) {
    closed.computeIfAbsent(tunnel.name(), name -> new CompletableFuture<>()).complete(reason);
  }

  @Override
  public void visitorReady(VisitorSpec visitor, int localPort) {
    visitors.computeIfAbsent(visitor.name(), name -> new CompletableFuture<>()).complete(localPort);
  }

  @Override
  public void circuitRefused(VisitorSpec visitor, String reason) {
    notices.add("refused " + visitor.name() + ": " + reason);
  }

  @Override
  public void circuitClosed(String tunnel, String reason) {
    notices.add("closed " + tunnel + ": " + reason);
  }

  @Override
  public void circuitThrottled(String tunnel, long bytesPerSecond) {
    notices.add("throttled " + tunnel + ": " + bytesPerSecond);
  }

  @Override
  public void circuitBroken(String tunnel, String reason) {
    notices.add("broken " + tunnel + ": " + reason);
  }

  @Override
  public void close() {
    client.close();
  }
}
