package dev.pipe.example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny web app to put behind a tunnel: answers every GET with a greeting, a request counter and
 * the address it saw the request come from (the pipe client, since the tunnel ends there).
 */
public final class HelloHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicLong requests = new AtomicLong();

  private HelloHttpServer(HttpServer server) {
    this.server = server;
  }

  /** Starts on {@code host:port}; port 0 picks a free one. */
  public static HelloHttpServer start(String host, int port) throws IOException {
    HelloHttpServer hello =
        new HelloHttpServer(HttpServer.create(new InetSocketAddress(host, port), 0));
    hello.server.createContext("/", hello::handle);
    hello.server.setExecutor(hello.executor);
    hello.server.start();
    return hello;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body =
          "Hello from behind the tunnel!\n"
              + "request #"
              + requests.incrementAndGet()
              + " for "
              + exchange.getRequestURI()
              + " from "
              + exchange.getRemoteAddress()
              + " at "
              + Instant.now()
              + "\n";
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }
}
