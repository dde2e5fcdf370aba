package dev.pipe.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /status} on a loopback port: the client's tunnels, their state and their connections,
 * as JSON, for {@code pipe status}. Read-only, and only on loopback (the config refuses another
 * address), because it shows the server's address and the local services.
 */
public final class StatusEndpoint implements AutoCloseable {
  /** The default address; {@code pipe status} looks here unless told otherwise. */
  public static final int DEFAULT_PORT = 8912;

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final HttpServer http;
  private final ExecutorService executor;

  private StatusEndpoint(HttpServer http, ExecutorService executor) {
    this.http = http;
    this.executor = executor;
  }

  /** Binds {@code address} and serves {@code status} until closed. */
  public static StatusEndpoint start(InetSocketAddress address, Supplier<ClientStatus> status)
      throws IOException {
    HttpServer http = HttpServer.create(address, 16);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    http.setExecutor(executor);
    http.createContext("/", exchange -> serve(exchange, status));
    http.start();
    return new StatusEndpoint(http, executor);
  }

  private static void serve(HttpExchange exchange, Supplier<ClientStatus> status)
      throws IOException {
    try (exchange) {
      boolean known = exchange.getRequestURI().getPath().equals("/status");
      boolean get = exchange.getRequestMethod().equals("GET");
      byte[] body =
          known && get
              ? JSON.writeValueAsBytes(status.get())
              : "{\"error\":\"only GET /status is served here\"}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      exchange.sendResponseHeaders(known ? (get ? 200 : 405) : 404, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** The address actually bound (useful with port 0). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  @Override
  public void close() {
    http.stop(0);
    executor.close();
  }
}
