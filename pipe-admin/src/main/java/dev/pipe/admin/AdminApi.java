package dev.pipe.admin;

import com.sun.net.httpserver.HttpExchange;
import dev.pipe.proto.PipeVersion;
import dev.pipe.server.ClientInfo;
import dev.pipe.server.PipeServer;
import dev.pipe.server.TunnelInfo;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The JSON API under {@code /api/}: what the dashboard shows, for scripts too. Documented in {@code
 * docs/admin-api.md}; keep the two in step.
 */
final class AdminApi {
  static final String OPERATOR_CLOSE = "closed by an operator from the admin API";
  private static final int MAX_REASON_CHARS = 200;

  /** {@code GET /api/server}. */
  record ServerView(String version, int controlPort, String startedAt) {}

  /** One element of {@code GET /api/clients}. */
  record ClientView(
      String id,
      String address,
      String user,
      String version,
      String since,
      int tunnels,
      int pooled) {}

  /** The client of a tunnel, as {@code GET /api/tunnels} shows it. */
  record ClientRef(String id, String address) {}

  /** One element of {@code GET /api/tunnels}. */
  record TunnelView(
      String id,
      String name,
      String type,
      int port,
      ClientRef client,
      String since,
      int connections,
      long connectionsTotal,
      long bytesIn,
      long bytesOut,
      long rateIn,
      long rateOut) {}

  private final PipeServer server;
  private final Rates rates;
  private final Instant startedAt = Instant.now();

  AdminApi(PipeServer server, Rates rates) {
    this.server = server;
    this.rates = rates;
  }

  void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    switch (path) {
      case "/api/server" -> get(exchange, method, this::serverView);
      case "/api/clients" -> get(exchange, method, () -> Map.of("clients", clients()));
      case "/api/tunnels" -> get(exchange, method, () -> Map.of("tunnels", tunnels()));
      default -> {
        if (path.startsWith("/api/tunnels/")) {
          tunnel(exchange, method, path.substring("/api/tunnels/".length()));
        } else {
          Responses.error(
              exchange,
              404,
              "no such API: " + path + "; see /api/server, /api/clients and /api/tunnels");
        }
      }
    }
  }

  private static void get(HttpExchange exchange, String method, Supplier<Object> body)
      throws IOException {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      Responses.error(exchange, 405, method + " is not allowed here; use GET");
      return;
    }
    Responses.json(exchange, 200, body.get());
  }

  private void tunnel(HttpExchange exchange, String method, String id) throws IOException {
    if (!method.equals("DELETE")) {
      exchange.getResponseHeaders().set("Allow", "DELETE");
      Responses.error(
          exchange,
          405,
          method + " is not allowed on a tunnel; DELETE closes it, GET /api/tunnels lists them");
      return;
    }
    String reason = reason(exchange.getRequestURI().getRawQuery());
    Optional<TunnelInfo> closed = server.closeTunnel(id, reason);
    if (closed.isEmpty()) {
      Responses.error(
          exchange,
          404,
          "no open tunnel has id '" + id + "'; GET /api/tunnels lists the open ones and their ids");
      return;
    }
    Responses.json(exchange, 200, view(closed.get()));
  }

  /** The reason given as {@code ?reason=...}, or the default; the client prints it. */
  private static String reason(String rawQuery) {
    if (rawQuery != null) {
      for (String pair : rawQuery.split("&")) {
        if (pair.startsWith("reason=")) {
          String given =
              URLDecoder.decode(pair.substring("reason=".length()), StandardCharsets.UTF_8).strip();
          if (!given.isEmpty()) {
            return given.length() <= MAX_REASON_CHARS
                ? given
                : given.substring(0, MAX_REASON_CHARS);
          }
        }
      }
    }
    return OPERATOR_CLOSE;
  }

  private ServerView serverView() {
    return new ServerView(PipeVersion.software(), server.port(), startedAt.toString());
  }

  private List<ClientView> clients() {
    Map<String, Long> tunnelsByClient =
        server.tunnels().stream()
            .collect(Collectors.groupingBy(tunnel -> tunnel.client().id(), Collectors.counting()));
    Function<ClientInfo, ClientView> view =
        client ->
            new ClientView(
                client.id(),
                client.address(),
                client.user(),
                client.version(),
                client.since().toString(),
                tunnelsByClient.getOrDefault(client.id(), 0L).intValue(),
                client.pooled().getAsInt());
    return server.clients().stream().map(view).toList();
  }

  private List<TunnelView> tunnels() {
    return server.tunnels().stream().map(this::view).toList();
  }

  private TunnelView view(TunnelInfo tunnel) {
    Rates.Rate rate = rates.of(tunnel.id());
    return new TunnelView(
        tunnel.id(),
        tunnel.name(),
        tunnel.type().wireName(),
        tunnel.port(),
        new ClientRef(tunnel.client().id(), tunnel.client().address()),
        tunnel.since().toString(),
        tunnel.traffic().connectionsActive(),
        tunnel.traffic().connectionsTotal(),
        tunnel.traffic().bytesIn(),
        tunnel.traffic().bytesOut(),
        Math.round(rate.in()),
        Math.round(rate.out()));
  }
}
