package dev.pipe.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The peers of one UDP tunnel, on the server: a session number for each peer address, when the
 * session last carried a datagram either way, and the cap on how many there may be.
 *
 * <p>Only the tunnel's receive thread opens, expires and clears sessions; the data connection's
 * reader looks them up by number (to send a reply to the right peer) and marks them active. The map
 * by address is therefore the receive thread's alone, and only the map by number is concurrent.
 */
final class PeerSessions {
  /** One peer's session; replies for {@link #id} go to {@link #peer} and nowhere else. */
  static final class Session {
    private final int id;
    private final InetSocketAddress peer;
    private volatile long lastActiveNanos;

    private Session(int id, InetSocketAddress peer, long nowNanos) {
      this.id = id;
      this.peer = peer;
      this.lastActiveNanos = nowNanos;
    }

    int id() {
      return id;
    }

    InetSocketAddress peer() {
      return peer;
    }

    void active(long nowNanos) {
      lastActiveNanos = nowNanos;
    }
  }

  private final int maxSessions;
  private final long idleNanos;
  private final Map<InetSocketAddress, Session> byPeer = new HashMap<>();
  private final Map<Integer, Session> byId = new ConcurrentHashMap<>();
  private int nextId;

  PeerSessions(int maxSessions, Duration idleTimeout) {
    this.maxSessions = maxSessions;
    this.idleNanos = idleTimeout.toNanos();
  }

  /** The session of {@code peer}, marked active; null if it has none. Receive thread only. */
  Session find(InetSocketAddress peer, long nowNanos) {
    Session session = byPeer.get(peer);
    if (session != null) {
      session.active(nowNanos);
    }
    return session;
  }

  /** A new session for {@code peer}; null if the tunnel holds its cap. Receive thread only. */
  Session open(InetSocketAddress peer, long nowNanos) {
    if (byPeer.size() >= maxSessions) {
      return null;
    }
    Session session = new Session(freeId(), peer, nowNanos);
    byPeer.put(peer, session);
    byId.put(session.id(), session);
    return session;
  }

  /** The session numbered {@code id}, marked active; null if it has ended. Any thread. */
  Session byId(int id, long nowNanos) {
    Session session = byId.get(id);
    if (session != null) {
      session.active(nowNanos);
    }
    return session;
  }

  /** Ends and returns the sessions idle for the idle timeout. Receive thread only. */
  List<Session> expire(long nowNanos) {
    List<Session> expired = new ArrayList<>();
    for (Session session : byPeer.values()) {
      if (nowNanos - session.lastActiveNanos >= idleNanos) {
        expired.add(session);
      }
    }
    for (Session session : expired) {
      byPeer.remove(session.peer());
      byId.remove(session.id());
    }
    return expired;
  }

  /** Ends every session (their data connection is gone). Receive thread only. */
  void clear() {
    byPeer.clear();
    byId.clear();
  }

  int size() {
    return byPeer.size();
  }

  int maxSessions() {
    return maxSessions;
  }

  /**
   * Session numbers count up and wrap at {@link Integer#MAX_VALUE}; a number still in use is
   * skipped, so a long-lived session can never be confused with a new one.
   */
  private int freeId() {
    while (byId.containsKey(nextId)) {
      nextId = nextId == Integer.MAX_VALUE ? 0 : nextId + 1;
    }
    int id = nextId;
    nextId = nextId == Integer.MAX_VALUE ? 0 : nextId + 1;
    return id;
  }
}
