package dev.pipe.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.pipe.server.AdminSettings;
import dev.pipe.server.PipeServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener of a pipe server: the dashboard at {@code /}, the JSON API under {@code
 * /api/}, Prometheus metrics at {@code /metrics} and {@code /healthz} for load balancers. The JDK's
 * HTTP server, one virtual thread per request, at most {@link #MAX_REQUESTS} at once.
 *
 * <p>Everything but {@code /healthz} goes through {@link AdminGuard}. The health check tells
 * nothing but "up", so a load balancer or fly.io needs no credentials for it.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  /** Requests served at once; more get 503, so a flood cannot pile up threads and memory. */
  static final int MAX_REQUESTS = 64;

  private static final int BACKLOG = 64;
  private static final Duration RATE_SAMPLE = Duration.ofSeconds(1);

  private final HttpServer http;
  private final ExecutorService requests;
  private final ScheduledExecutorService sampler;

  private AdminServer(HttpServer http, ExecutorService requests, ScheduledExecutorService sampler) {
    this.http = http;
    this.requests = requests;
    this.sampler = sampler;
  }

  /** Binds the admin address and serves until closed. */
  public static AdminServer start(
      AdminSettings settings, PipeServer server, PrometheusMetrics metrics) throws IOException {
    HttpServer http;
    try {
      http =
          HttpServer.create(
              new InetSocketAddress(settings.bindAddress(), settings.port()), BACKLOG);
    } catch (IOException e) {
      throw new IOException(
          "cannot listen on admin address "
              + settings.bindAddress()
              + ":"
              + settings.port()
              + ": "
              + e.getMessage()
              + "; choose another --admin-port (0 picks a free one), or --no-admin",
          e);
    }
    Rates rates = new Rates();
    AdminGuard guard = new AdminGuard(settings);
    AdminApi api = new AdminApi(server, rates);
    Dashboard dashboard = new Dashboard();
    MetricsHandler metricsHandler = new MetricsHandler(metrics.registry());
    Semaphore slots = new Semaphore(MAX_REQUESTS);

    http.createContext("/healthz", bounded(slots, exchange -> health(exchange, server)));
    http.createContext("/metrics", bounded(slots, guarded(guard, metricsHandler)));
    http.createContext("/api/", bounded(slots, guarded(guard, api::handle)));
    http.createContext("/", bounded(slots, guarded(guard, dashboard::handle)));
    ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    http.setExecutor(requests);

    ScheduledExecutorService sampler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("admin-rates").daemon().factory());
    sampler.scheduleAtFixedRate(
        () -> rates.sample(server.tunnels(), System.nanoTime()),
        0,
        RATE_SAMPLE.toMillis(),
        TimeUnit.MILLISECONDS);
    http.start();
    AdminServer admin = new AdminServer(http, requests, sampler);
    log.info(
        "admin dashboard on http://{}:{}/ ({}; metrics at /metrics, health at /healthz)",
        settings.bindAddress(),
        admin.port(),
        settings.requiresCredentials() ? "credentials required" : "loopback only, no credentials");
    return admin;
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  private static void health(HttpExchange exchange, PipeServer server) throws IOException {
    try (exchange) {
      boolean up = server.isRunning();
      Responses.send(
          exchange,
          up ? 200 : 503,
          "text/plain; charset=utf-8",
          Responses.utf8(up ? "ok\n" : "shutting down\n"));
    }
  }

  private static HttpHandler guarded(AdminGuard guard, HttpHandler handler) {
    return exchange -> {
      try (exchange) {
        if (guard.admit(exchange)) {
          handler.handle(exchange);
        }
      }
    };
  }

  private static HttpHandler bounded(Semaphore slots, HttpHandler handler) {
    return exchange -> {
      if (!slots.tryAcquire()) {
        try (exchange) {
          exchange.getResponseHeaders().set("Retry-After", "1");
          Responses.error(
              exchange, 503, "the admin server is busy (" + MAX_REQUESTS + " requests at once)");
        }
        return;
      }
      try {
        handler.handle(exchange);
      } finally {
        slots.release();
      }
    };
  }

  @Override
  public void close() {
    http.stop(0);
    sampler.shutdownNow();
    requests.close();
  }
}
