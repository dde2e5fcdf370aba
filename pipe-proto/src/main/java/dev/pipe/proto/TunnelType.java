package dev.pipe.proto;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** What a tunnel carries. */
public enum TunnelType {
  /** A TCP port: each user connection gets its own data connection. */
  @JsonProperty("tcp")
  TCP,
  /**
   * A UDP port: datagrams of all the tunnel's peers travel over one data connection, each peer in a
   * session of its own.
   */
  @JsonProperty("udp")
  UDP,
  /**
   * No public port: a reservation on the server that visitors holding the tunnel's secret reach
   * through end-to-end encrypted circuits (see docs/relay.md).
   */
  @JsonProperty("relay")
  RELAY,
  /**
   * Web requests on the server's shared HTTP port, routed by their {@code Host} header to the
   * tunnel that holds that name; the server reads each request head (to route it and add the
   * forwarded headers) and passes bodies through.
   */
  @JsonProperty("http")
  HTTP,
  /**
   * TLS connections on the server's shared HTTPS port, routed by the name in their ClientHello
   * (SNI) without being decrypted: the local service holds the certificate and its key.
   */
  @JsonProperty("https")
  HTTPS;

  /** The name used in configuration files, flags and on the wire. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * True for the types reached by host name on a shared port rather than by a port of their own.
   */
  public boolean routedByName() {
    return switch (this) {
      case TCP, UDP, RELAY -> false;
      case HTTP, HTTPS -> true;
    };
  }

  /** Parses a configuration value such as {@code tcp}, {@code relay} or {@code https}. */
  public static TunnelType parse(String value) {
    for (TunnelType type : values()) {
      if (type.wireName().equals(value)) {
        return type;
      }
    }
    throw new IllegalArgumentException(
        "unknown tunnel type '" + value + "'; use tcp, udp, relay, http or https");
  }
}
