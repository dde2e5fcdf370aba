package dev.pipe.proto;

import java.time.Duration;

/** Every limit and default timeout of the protocol, named, with its unit. */
public final class Limits {
  /** Largest frame body; checked before anything is allocated. */
  public static final int MAX_FRAME_BYTES = 64 * 1024;

  /** A connection must finish its login within this time, or it is closed. */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

  /** How often each side sends a heartbeat on a quiet control connection. */
  public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(10);

  /** A control peer silent for this many heartbeat intervals is dead. */
  public static final int MISSED_HEARTBEATS = 3;

  /** A user connection whose data connection has not arrived after this time is closed. */
  public static final Duration PENDING_CONNECTION_TTL = Duration.ofSeconds(10);

  /** User connections waiting for their data connection, per server. */
  public static final int MAX_PENDING_CONNECTIONS = 4_096;

  /** Idle pooled data connections a client asks for unless told otherwise. */
  public static final int DEFAULT_POOL_CONNECTIONS = 8;

  /** The most idle pooled data connections a server may grant one client. */
  public static final int MAX_POOL_CONNECTIONS = 1_024;

  /** Tunnels one client may hold open. */
  public static final int MAX_TUNNELS_PER_CLIENT = 64;

  /** Custom domains one http or https tunnel may claim. */
  public static final int MAX_CUSTOM_DOMAINS = 16;

  /** Dialing the server, from the client. */
  public static final Duration SERVER_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** Dialing the local service, from the client. */
  public static final Duration LOCAL_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** A frame that cannot be written within this time means the peer stopped reading. */
  public static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  /**
   * A visitor waits this long for the server to open its circuit: the server itself gives up on the
   * provider after its pending timeout (10 s by default) and says so.
   */
  public static final Duration CIRCUIT_OPEN_TIMEOUT = Duration.ofSeconds(30);

  /** The two ends of a relay circuit must finish their encrypted handshake within this time. */
  public static final Duration CIRCUIT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** On shutdown, how long connections in flight may take to finish before they are cut. */
  public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

  /** The largest UDP payload over IPv4, and so the largest datagram a UDP tunnel carries. */
  public static final int MAX_DATAGRAM_BYTES = 65_507;

  /** A UDP peer that neither sends nor receives for this long loses its session (default). */
  public static final Duration UDP_IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** Shorter idle timeouts would end sessions between a request and its reply. */
  public static final Duration UDP_MIN_IDLE_TIMEOUT = Duration.ofMillis(100);

  /** Longer idle timeouts would keep sessions of long-gone peers for no use. */
  public static final Duration UDP_MAX_IDLE_TIMEOUT = Duration.ofHours(24);

  /** Peers one UDP tunnel serves at once (default). */
  public static final int UDP_MAX_SESSIONS = 1_024;

  /**
   * The most sessions a client may ask for per UDP tunnel: each costs a socket on the client and a
   * table entry on the server, and the server must not let one client make it hold without bound.
   */
  public static final int UDP_SESSIONS_CEILING = 16_384;

  /**
   * When a UDP tunnel's data connection ends, the server asks for a new one at once, but no sooner
   * than this after its previous request, so a connection that keeps failing cannot make it spin.
   */
  public static final Duration DATAGRAM_CHANNEL_RETRY = Duration.ofSeconds(1);

  private Limits() {}

  /** Silence after which a control peer counts as dead. */
  public static Duration deadAfter(Duration heartbeatInterval) {
    return heartbeatInterval.multipliedBy(MISSED_HEARTBEATS);
  }
}
