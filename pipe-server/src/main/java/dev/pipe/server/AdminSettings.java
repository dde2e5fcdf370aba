package dev.pipe.server;

import dev.pipe.config.ConfigException;
import dev.pipe.proto.Secret;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Where the admin dashboard, API and metrics listen, and who may use them. A token is accepted as
 * {@code Authorization: Bearer TOKEN} or as the password of HTTP basic auth with any user name (so
 * a browser can log in); a user and password, as basic auth.
 *
 * @param enabled false runs no admin listener at all
 * @param port 0 picks a free port
 */
public record AdminSettings(
    boolean enabled,
    String bindAddress,
    int port,
    Secret token,
    Optional<String> user,
    Secret password) {

  public static final int DEFAULT_PORT = 8911;
  public static final String DEFAULT_BIND = "127.0.0.1";

  /** True when requests must carry a token or a user and password. */
  public boolean requiresCredentials() {
    return !token.isEmpty() || user.isPresent();
  }

  /**
   * Refuses what would be unsafe: a dashboard reachable from other machines without credentials
   * (frp's admin/admin dashboards are a known attack target), or half a user and password.
   */
  void check() {
    if (user.isPresent() != !password.isEmpty()) {
      throw new ConfigException(
          "admin_user and admin_password go together: set both (--admin-user and"
              + " --admin-password or PIPE_ADMIN_PASSWORD), or use an admin token instead");
    }
    if (port < 0 || port > 65_535) {
      throw new ConfigException("--admin-port " + port + " is outside 0-65535");
    }
    if (enabled && !requiresCredentials() && !isLoopback(bindAddress)) {
      throw new ConfigException(
          "the admin dashboard would listen on "
              + bindAddress
              + ":"
              + port
              + " without credentials, open to anyone who can reach it; set an admin token"
              + " (--admin-token, the PIPE_ADMIN_TOKEN environment variable or admin_token in the"
              + " config file) or --admin-user and --admin-password, or keep --admin-bind"
              + " 127.0.0.1");
    }
  }

  private static boolean isLoopback(String address) {
    try {
      for (InetAddress resolved : InetAddress.getAllByName(address)) {
        if (!resolved.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      throw new ConfigException(
          "--admin-bind " + address + " is not an address of this machine: " + e.getMessage());
    }
  }
}
