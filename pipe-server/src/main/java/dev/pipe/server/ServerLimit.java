package dev.pipe.server;

/**
 * A limit that refused a request. Named like its config key (or, for a fixed limit, its constant in
 * {@link dev.pipe.proto.Limits}), which is also its metric label: a closed set, so that a flood of
 * refusals cannot grow the number of series.
 */
public enum ServerLimit {
  /** A tunnel asked for a port outside {@code allow_ports}. */
  ALLOW_PORTS("allow_ports"),
  /** A user connection arrived while the most connections already waited for their client. */
  MAX_PENDING_CONNECTIONS("max_pending_connections"),
  /** A client asked for more tunnels than one client may hold. */
  MAX_TUNNELS_PER_CLIENT("max_tunnels_per_client");

  private final String key;

  ServerLimit(String key) {
    this.key = key;
  }

  /** The label value, like {@code allow_ports}. */
  public String key() {
    return key;
  }
}
