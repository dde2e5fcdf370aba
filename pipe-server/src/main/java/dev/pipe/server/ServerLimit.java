package dev.pipe.server;

/**
 * A limit that refused a request. Named like its config key (or, for a fixed limit, its constant in
 * {@link dev.pipe.proto.Limits}), which is also its metric label: a closed set, so that a flood of
 * refusals cannot grow the number of series.
 */
public enum ServerLimit {
  /** A tunnel asked for a port outside {@code allow_ports} (its user's or the server's). */
  ALLOW_PORTS("allow_ports"),
  /** A user connection arrived while the most connections already waited for their client. */
  MAX_PENDING_CONNECTIONS("max_pending_connections"),
  /** A client asked for more tunnels than one client may hold. */
  MAX_TUNNELS_PER_CLIENT("max_tunnels_per_client"),
  /** Too many connections from strangers had not logged in yet. */
  MAX_UNAUTHENTICATED_CONNECTIONS("max_unauthenticated_connections"),
  /** Too many connections from one address had not logged in yet. */
  MAX_UNAUTHENTICATED_PER_SOURCE("max_unauthenticated_per_source"),
  /** A client logged in while the most clients were already connected. */
  MAX_CLIENTS("max_clients"),
  /** A user connection arrived while its tunnel already had the most it may. */
  MAX_CONNECTIONS_PER_TUNNEL("max_connections_per_tunnel"),
  /** A user connection came from an address the tunnel's or the user's source lists refuse. */
  SOURCE_LISTS("allow_sources"),
  /** A connection came from an address banned after repeated wrong tokens. */
  LOGIN_BAN("login_failures_before_ban"),
  /** A tunnel asked to join a load-balanced group that already had the most members it may. */
  MAX_GROUP_MEMBERS("max_group_members"),
  /** A connection to the HTTP or HTTPS port while the most such connections were open. */
  MAX_HTTP_CONNECTIONS("max_http_connections"),
  /** A connection to the HTTP or HTTPS port from an address that already held the most. */
  MAX_HTTP_CONNECTIONS_PER_SOURCE("max_http_connections_per_source"),
  /** A request head (or TLS ClientHello) larger than allowed: answered 431, or closed. */
  MAX_HTTP_HEADER_BYTES("max_http_header_bytes"),
  /** A request head (or TLS ClientHello) that did not arrive in time: the connection is closed. */
  HTTP_HEADER_TIMEOUT("http_header_timeout"),
  /** A request from an address banned after repeated wrong basic-auth passwords: answered 429. */
  HTTP_AUTH_BAN("http_auth_failures_before_ban"),
  /** A provider reserved a relay tunnel while the most reservations were already held. */
  MAX_RESERVATIONS("max_reservations"),
  /** A visitor asked for a circuit while the most circuits were already open. */
  MAX_CIRCUITS("max_circuits"),
  /** A visitor, or the provider it asked for, already had the most circuits one peer may have. */
  MAX_CIRCUITS_PER_PEER("max_circuits_per_peer"),
  /** A visitor asked for a reservation its provider had not refreshed in time. */
  RESERVATION_TTL("reservation_ttl"),
  /** A circuit was closed because it lasted as long as a circuit may. */
  MAX_CIRCUIT_DURATION("max_circuit_duration"),
  /** A circuit was slowed to the rate a circuit may carry. */
  MAX_CIRCUIT_RATE("max_circuit_rate");

  private final String key;

  ServerLimit(String key) {
    this.key = key;
  }

  /** The label value, like {@code allow_ports}. */
  public String key() {
    return key;
  }
}
