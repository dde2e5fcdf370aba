package dev.pipe.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pipe.proto.HostName;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caddy's on-demand TLS check, {@code GET /ask?domain=NAME}: 200 if a certificate may be issued for
 * the name (an http tunnel holds it now, or the operator named it as a custom domain), 404
 * otherwise, so that Caddy asks its CA only for names that are real tunnels and a stranger cannot
 * make it fetch certificates for arbitrary names. This is the only thing pipe tells Caddy: it never
 * writes into Caddy's configuration.
 *
 * <p>It has a listener of its own on 127.0.0.1, not a path on the admin port: it must work with the
 * admin listener off, without the admin credentials (Caddy's ask sends none), and must never be
 * reachable from other machines, where it would tell anyone which names are live.
 */
final class CertificateAsk implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CertificateAsk.class);
  private static final int MAX_REQUESTS = 16;
  private static final int BACKLOG = 16;

  private final HttpServer http;
  private final ExecutorService executor;

  private CertificateAsk(HttpServer http, ExecutorService executor) {
    this.http = http;
    this.executor = executor;
  }

  /** Listens on {@code 127.0.0.1:port} (0 picks a free port) and answers from {@code routes}. */
  static CertificateAsk start(int port, HostRoutes routes) throws IOException {
    HttpServer http;
    try {
      http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), BACKLOG);
    } catch (IOException e) {
      throw new IOException(
          "cannot listen on 127.0.0.1:"
              + port
              + " for Caddy's ask check: "
              + e.getMessage()
              + "; choose another --ask-port",
          e);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    Semaphore slots = new Semaphore(MAX_REQUESTS);
    http.setExecutor(executor);
    http.createContext("/", exchange -> answer(exchange, routes, slots));
    http.start();
    log.info(
        "certificate ask check on http://127.0.0.1:{}/ask (for Caddy's on_demand_tls)",
        http.getAddress().getPort());
    return new CertificateAsk(http, executor);
  }

  int port() {
    return http.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, HostRoutes routes, Semaphore slots)
      throws IOException {
    try (exchange) {
      if (!slots.tryAcquire()) {
        send(exchange, 503, "busy\n");
        return;
      }
      try {
        if (!exchange.getRemoteAddress().getAddress().isLoopbackAddress()) {
          send(exchange, 403, "only this machine may ask\n");
        } else if (!exchange.getRequestURI().getPath().equals("/ask")
            || !exchange.getRequestMethod().equals("GET")) {
          send(exchange, 404, "GET /ask?domain=NAME is the only thing served here\n");
        } else {
          String name = domain(exchange.getRequestURI().getRawQuery());
          boolean yes = name != null && routes.mayHaveCertificate(name);
          log.debug("ask: {} -> {}", HostName.quote(name), yes ? "yes" : "no");
          send(exchange, yes ? 200 : 404, yes ? "ok\n" : "no tunnel has this name\n");
        }
      } finally {
        slots.release();
      }
    }
  }

  /** The {@code domain} parameter as a valid lowercase name, or null. */
  private static String domain(String rawQuery) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.startsWith("domain=")) {
        try {
          return HostName.name(
              URLDecoder.decode(pair.substring("domain=".length()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static void send(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.close();
  }
}
