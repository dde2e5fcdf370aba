package dev.pipe.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local web service behind an http tunnel that remembers every request it got (its headers, as
 * the JDK's server reports them) and answers with its name, the path and the body it read.
 */
final class RecordingWebService implements AutoCloseable {
  /** One request as the service saw it. */
  record Seen(String method, String path, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : String.join(",", values);
    }
  }

  private final String name;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  private RecordingWebService(String name, HttpServer server) {
    this.name = name;
    this.server = server;
  }

  static RecordingWebService start(String name) throws IOException {
    RecordingWebService service =
        new RecordingWebService(
            name, HttpServer.create(new InetSocketAddress(Fixture.LOOPBACK, 0), 0));
    service.server.createContext("/", service::handle);
    service.server.setExecutor(service.executor);
    service.server.start();
    return service;
  }

  int port() {
    return server.getAddress().getPort();
  }

  List<Seen> seen() {
    return List.copyOf(seen);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      seen.add(
          new Seen(
              exchange.getRequestMethod(),
              exchange.getRequestURI().toString(),
              Map.copyOf(exchange.getRequestHeaders()),
              body));
      byte[] answer =
          (name + " " + exchange.getRequestURI() + " " + body).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(200, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }
}
