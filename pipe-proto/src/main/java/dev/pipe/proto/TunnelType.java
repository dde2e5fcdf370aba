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
  RELAY;

  /** The name used in configuration files, flags and on the wire. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a configuration value such as {@code tcp}, {@code udp} or {@code relay}. */
  public static TunnelType parse(String value) {
    for (TunnelType type : values()) {
      if (type.wireName().equals(value)) {
        return type;
      }
    }
    throw new IllegalArgumentException(
        "unknown tunnel type '" + value + "'; use tcp, udp or relay");
  }
}
