package dev.pipe.e2e;

import dev.pipe.admin.AdminServer;
import dev.pipe.admin.PrometheusMetrics;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A pipe server with its admin listener on an ephemeral loopback port, as {@code pipe server}
 * starts them, and an HTTP client for it.
 */
final class AdminFixture implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  final PipeServer server;
  final AdminServer admin;
  final PrometheusMetrics metrics;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  private AdminFixture(PipeServer server, AdminServer admin, PrometheusMetrics metrics) {
    this.server = server;
    this.admin = admin;
    this.metrics = metrics;
  }

  static AdminFixture start(ServerConfig.Builder builder) throws IOException {
    ServerConfig config = builder.adminPort(0).build();
    PrometheusMetrics metrics = new PrometheusMetrics();
    PipeServer server = PipeServer.start(config, metrics);
    return new AdminFixture(server, AdminServer.start(config.admin(), server, metrics), metrics);
  }

  static AdminFixture start() throws IOException {
    return start(Fixture.serverConfig());
  }

  URI uri(String path) {
    return URI.create("http://" + Fixture.LOOPBACK + ":" + admin.port() + path);
  }

  /** Sends a request with the given header name/value pairs. */
  HttpResponse<String> send(String method, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(TIMEOUT)
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path, String... headers)
      throws IOException, InterruptedException {
    return send("GET", path, headers);
  }

  /**
   * The status line of a request sent by hand with the given Host header, which the JDK's client
   * does not let a caller choose.
   */
  String statusLineWithHost(String path, String host) throws IOException {
    try (Socket socket = Fixture.connect(admin.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return response.lines().findFirst().orElse("");
    }
  }

  @Override
  public void close() {
    server.close();
    admin.close();
  }
}
