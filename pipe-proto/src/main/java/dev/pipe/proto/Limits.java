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

  /** Tunnels one client may hold open. */
  public static final int MAX_TUNNELS_PER_CLIENT = 64;

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

  private Limits() {}

  /** Silence after which a control peer counts as dead. */
  public static Duration deadAfter(Duration heartbeatInterval) {
    return heartbeatInterval.multipliedBy(MISSED_HEARTBEATS);
  }
}
