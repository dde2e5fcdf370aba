package dev.pipe.admin;

import com.sun.net.httpserver.HttpExchange;
import dev.pipe.proto.Secret;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.server.AdminSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether an admin request may go on, and answers it when it may not.
 *
 * <ul>
 *   <li>With credentials configured, every request must carry them: {@code Bearer TOKEN}, or basic
 *       auth with the token as password (any user name) or with the configured user and password.
 *       Anything else gets 401. Secrets are compared in constant time and never logged.
 *   <li>Without credentials (only allowed on loopback), the {@code Host} header must name a
 *       loopback address: otherwise a web page could rebind its own DNS name to 127.0.0.1 and read
 *       the API from the operator's browser.
 *   <li>A request that changes something and carries an {@code Origin} must come from this server's
 *       own pages, so that another site cannot make the operator's browser close tunnels.
 * </ul>
 */
final class AdminGuard {
  private static final Logger log = LoggerFactory.getLogger(AdminGuard.class);
  static final String REALM = "Basic realm=\"pipe admin\", charset=\"UTF-8\"";

  private final AdminSettings settings;
  private final RateLimitedLog refused = new RateLimitedLog(log);

  AdminGuard(AdminSettings settings) {
    this.settings = settings;
  }

  /** True if the request may be served; otherwise the refusal has been sent. */
  boolean admit(HttpExchange exchange) throws IOException {
    String peer = exchange.getRemoteAddress().getAddress().getHostAddress();
    if (settings.requiresCredentials()) {
      if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
        refused.warn("admin request from {} refused: missing or wrong credentials", peer);
        exchange.getResponseHeaders().set("WWW-Authenticate", REALM);
        Responses.error(
            exchange,
            401,
            "this pipe server's admin API needs credentials: the admin token as 'Authorization:"
                + " Bearer TOKEN', or basic auth");
        return false;
      }
    } else if (!loopbackHost(exchange.getRequestHeaders().getFirst("Host"))) {
      refused.warn("admin request from {} refused: Host header is not a loopback name", peer);
      Responses.error(
          exchange,
          403,
          "address this dashboard as 127.0.0.1 or localhost; to reach it under another name, set"
              + " an admin token");
      return false;
    }
    if (!exchange.getRequestMethod().equals("GET") && !sameOrigin(exchange)) {
      Responses.error(exchange, 403, "cross-origin requests may not change anything here");
      return false;
    }
    return true;
  }

  private boolean authorized(String header) {
    if (header == null) {
      return false;
    }
    int space = header.indexOf(' ');
    if (space < 0) {
      return false;
    }
    String scheme = header.substring(0, space).toLowerCase(Locale.ROOT);
    String value = header.substring(space + 1).strip();
    return switch (scheme) {
      case "bearer" -> settings.token().matches(value);
      case "basic" -> basic(value);
      default -> false;
    };
  }

  private boolean basic(String encoded) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String user = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1);
    // Evaluate both, so that which one matched does not show in the time taken.
    boolean byToken = settings.token().matches(password);
    boolean byUser =
        settings.user().map(expected -> sameText(expected, user)).orElse(false)
            & settings.password().matches(password);
    return byToken | byUser;
  }

  private static boolean sameText(String expected, String given) {
    return Secret.of(expected).matches(given);
  }

  private static boolean loopbackHost(String host) {
    if (host == null) {
      return false;
    }
    String name;
    try {
      name = new URI("http://" + host).getHost();
    } catch (URISyntaxException e) {
      return false;
    }
    if (name == null) {
      return false;
    }
    if (name.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!name.matches("[0-9.]+|\\[[0-9a-fA-F:.]+\\]")) {
      // A DNS name other than localhost: resolving it would defeat the point of the check.
      return false;
    }
    try {
      return InetAddress.getByName(name).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean sameOrigin(HttpExchange exchange) {
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    if (origin == null) {
      // Not a browser, or a same-origin request of an old one: curl and scripts send none.
      return true;
    }
    String host = exchange.getRequestHeaders().getFirst("Host");
    return origin.equals("http://" + host) || origin.equals("https://" + host);
  }
}
