package dev.pipe.config;

import java.net.InetSocketAddress;

/**
 * A host and a port as a user writes them: {@code example.com:8910}, {@code [::1]:80}, {@code
 * 3000}.
 */
public record HostPort(String host, int port) {
  public HostPort {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host is empty");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port " + port + " is outside 0-65535");
    }
  }

  /**
   * Parses {@code HOST:PORT}, {@code [IPV6]:PORT}, or a bare {@code PORT} that means {@code
   * defaultHost}.
   */
  public static HostPort parse(String text, String defaultHost) {
    String value = text == null ? "" : text.strip();
    int colon = value.lastIndexOf(':');
    String host;
    String port;
    if (colon < 0) {
      host = defaultHost;
      port = value;
    } else {
      host = value.substring(0, colon);
      port = value.substring(colon + 1);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      } else if (host.contains(":")) {
        throw new IllegalArgumentException(
            "'" + text + "' is ambiguous; write an IPv6 address in brackets: [::1]:8910");
      }
    }
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' has no host; write HOST:PORT");
    }
    try {
      return new HostPort(host, Integer.parseInt(port));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' has no valid port; write HOST:PORT, for example 127.0.0.1:3000");
    }
  }

  public InetSocketAddress toAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
