package dev.pipe.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The dashboard's three files, served from the jar: plain HTML, CSS and JavaScript, no build step
 * and nothing from a CDN. The content security policy allows only this server's own files, which is
 * why the page has no inline script or style.
 */
final class Dashboard {
  private static final String POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
          + " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private record Asset(String contentType, byte[] body) {}

  private final Map<String, Asset> assets =
      Map.of(
          "/", load("index.html", "text/html; charset=utf-8"),
          "/app.js", load("app.js", "text/javascript; charset=utf-8"),
          "/style.css", load("style.css", "text/css; charset=utf-8"));

  void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    Asset asset = assets.get(path);
    if (asset == null) {
      Responses.error(exchange, 404, "nothing at " + path + "; the dashboard is at /");
      return;
    }
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      Responses.error(exchange, 405, method + " is not allowed here; use GET");
      return;
    }
    exchange.getResponseHeaders().set("Content-Security-Policy", POLICY);
    exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
    exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    Responses.send(exchange, 200, asset.contentType(), asset.body());
  }

  private static Asset load(String name, String contentType) {
    try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard/" + name + " is missing from the pipe jar");
      }
      return new Asset(contentType, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
