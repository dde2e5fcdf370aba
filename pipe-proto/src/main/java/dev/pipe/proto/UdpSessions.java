package dev.pipe.proto;

import java.time.Duration;

/**
 * How a UDP tunnel keeps its remote peers apart: each peer (address and port) holds a session until
 * it has been idle, neither sending nor receiving, for {@code idleTimeoutMillis}; at most {@code
 * maxSessions} peers hold one at a time. The client chooses both per tunnel and the server enforces
 * them, within bounds that keep any one client from making the server hold unbounded state.
 */
public record UdpSessions(long idleTimeoutMillis, int maxSessions) {
  public static final UdpSessions DEFAULT =
      new UdpSessions(Limits.UDP_IDLE_TIMEOUT.toMillis(), Limits.UDP_MAX_SESSIONS);

  public UdpSessions {
    Fields.requireRange(
        "idleTimeoutMillis",
        idleTimeoutMillis,
        Limits.UDP_MIN_IDLE_TIMEOUT.toMillis(),
        Limits.UDP_MAX_IDLE_TIMEOUT.toMillis());
    Fields.requireRange("maxSessions", maxSessions, 1, Limits.UDP_SESSIONS_CEILING);
  }

  public Duration idleTimeout() {
    return Duration.ofMillis(idleTimeoutMillis);
  }
}
