package dev.pipe.proxy;

import com.google.common.util.concurrent.RateLimiter;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays the datagrams of many peers to one UDP service, and the service's replies back, each peer
 * in a session of its own. Every session has its own socket connected to the service, so the
 * service sees each peer as a distinct address, and whatever arrives on a session's socket is a
 * reply for that session's peer and no other: replies cannot cross between peers.
 *
 * <p>One platform thread waits on all the sessions' sockets at once with a {@link Selector}. A
 * thread per session would each hold a receive buffer big enough for the largest datagram (64 KiB),
 * 64 MiB for a thousand quiet peers; this way a session costs its socket and nothing more. The
 * thread is a platform thread because {@code Selector.select} would block a virtual thread's
 * carrier.
 *
 * <p>A datagram that cannot be delivered (the service's port is closed and the kernel reports ICMP
 * port unreachable, a full socket buffer, the session limit) is dropped and counted in {@link
 * #counts()}, with a warning at most once a minute; it ends neither the relay nor any session. An
 * empty datagram from a peer is dropped too: the JDK does not send empty datagrams on a connected
 * socket, and only a connected socket learns that the service's port is closed.
 */
public final class DatagramRelay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DatagramRelay.class);

  /** Larger than any UDP payload, so an oversized reply is seen as such instead of being cut. */
  private static final int RECEIVE_BUFFER_BYTES = 64 * 1024;

  /** Replies taken from one session per wake-up before the other sessions get their turn. */
  private static final int READS_PER_TURN = 64;

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  /** Where the service's replies go: called on the relay's thread, one datagram at a time. */
  @FunctionalInterface
  public interface Replies {
    /** Passes on a reply for {@code session}; an exception means nothing can carry replies now. */
    void reply(int session, byte[] payload) throws IOException;
  }

  private final String name;
  private final InetSocketAddress service;
  private final String where;
  private final int maxSessions;
  private final int maxDatagramBytes;
  private final RateLimiter replyLimiter;
  private final Replies replies;
  private final Selector selector;
  private final Map<Integer, DatagramChannel> sessions = new ConcurrentHashMap<>();
  private final DatagramCounts counts = new DatagramCounts();
  private final RateLimitedLog dropLog = new RateLimitedLog(log);
  private volatile boolean closed;
  private volatile Thread thread;

  private DatagramRelay(
      String name,
      InetSocketAddress service,
      int maxSessions,
      int maxDatagramBytes,
      RateLimiter replyLimiter,
      Replies replies,
      Selector selector) {
    this.name = name;
    this.service = service;
    this.where = service.getHostString() + ":" + service.getPort();
    this.maxSessions = maxSessions;
    this.maxDatagramBytes = maxDatagramBytes;
    this.replyLimiter = replyLimiter;
    this.replies = replies;
    this.selector = selector;
  }

  /**
   * Starts a relay to {@code service} holding at most {@code maxSessions} sessions. Replies longer
   * than {@code maxDatagramBytes} are dropped; replies are paced by {@code replyLimiter} when it is
   * not null.
   */
  public static DatagramRelay start(
      String name,
      InetSocketAddress service,
      int maxSessions,
      int maxDatagramBytes,
      RateLimiter replyLimiter,
      Replies replies)
      throws IOException {
    DatagramRelay relay =
        new DatagramRelay(
            name, service, maxSessions, maxDatagramBytes, replyLimiter, replies, Selector.open());
    relay.thread = Thread.ofPlatform().name("udp-" + name).daemon().start(relay::run);
    return relay;
  }

  /**
   * Sends one datagram of {@code session} to the service, opening the session's socket with its
   * first datagram. Returns false if the datagram was dropped.
   */
  public boolean send(int session, byte[] payload) {
    DatagramChannel channel = sessions.get(session);
    if (channel == null) {
      channel = open(session);
      if (channel == null) {
        return false;
      }
    }
    try {
      return write(channel, session, payload);
    } catch (PortUnreachableException e) {
      // The error belongs to an earlier datagram: count that one, then try this one again, so the
      // first datagram after the service comes back is not lost to a stale error.
      drop(session, unreachable());
      try {
        return write(channel, session, payload);
      } catch (IOException again) {
        return drop(session, again instanceof PortUnreachableException ? unreachable() : again);
      }
    } catch (IOException e) {
      return drop(session, e);
    }
  }

  private boolean write(DatagramChannel channel, int session, byte[] payload) throws IOException {
    if (payload.length == 0) {
      // The JDK skips empty writes on a connected channel, and only a connected socket hears the
      // ICMP errors that tell us the service is down: an empty datagram cannot be passed on.
      return drop(session, "an empty datagram cannot be sent on a connected socket");
    }
    if (channel.write(ByteBuffer.wrap(payload)) < payload.length) {
      return drop(session, "the socket's send buffer is full");
    }
    counts.toService();
    return true;
  }

  /** Closes the socket of {@code session}, if it has one. */
  public void close(int session) {
    DatagramChannel channel = sessions.remove(session);
    if (channel != null) {
      Sockets.closeQuietly(channel);
      // The kernel socket is released when the selector drops the channel, on its next select.
      selector.wakeup();
    }
  }

  /** Sessions open now. */
  public int sessions() {
    return sessions.size();
  }

  public DatagramCounts counts() {
    return counts;
  }

  /** Closes every session's socket; returns once they are closed or after a short wait. */
  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    Thread running = thread;
    if (running != null && running != Thread.currentThread()) {
      try {
        running.join(CLOSE_WAIT);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private DatagramChannel open(int session) {
    if (closed) {
      return null;
    }
    if (sessions.size() >= maxSessions) {
      drop(session, "this side already holds " + maxSessions + " sessions, its maximum");
      return null;
    }
    DatagramChannel channel = null;
    try {
      channel =
          DatagramChannel.open(
              service.getAddress() instanceof Inet4Address
                  ? StandardProtocolFamily.INET
                  : StandardProtocolFamily.INET6);
      channel.configureBlocking(false);
      channel.connect(service);
      sessions.put(session, channel);
      channel.register(selector, SelectionKey.OP_READ, session);
      selector.wakeup();
      if (closed) {
        // close() ran while we opened: its clean-up may have missed this channel.
        close(session);
        return null;
      }
      return channel;
    } catch (IOException | ClosedSelectorException | UnresolvedAddressException e) {
      if (channel != null) {
        sessions.remove(session, channel);
        Sockets.closeQuietly(channel);
      }
      drop(session, "cannot open a socket to the service: " + e);
      return null;
    }
  }

  private void run() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(RECEIVE_BUFFER_BYTES);
    try {
      while (!closed) {
        selector.select();
        Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
        while (ready.hasNext() && !closed) {
          SelectionKey key = ready.next();
          ready.remove();
          if (key.isValid()) {
            relayReplies((DatagramChannel) key.channel(), (Integer) key.attachment(), buffer);
          }
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closed) {
        log.warn("udp {}: relay to {} stopped: {}", name, where, e.toString());
      }
    } finally {
      closed = true;
      sessions.values().forEach(Sockets::closeQuietly);
      sessions.clear();
      Sockets.closeQuietly(selector);
    }
  }

  private void relayReplies(DatagramChannel channel, int session, ByteBuffer buffer) {
    for (int i = 0; i < READS_PER_TURN; i++) {
      buffer.clear();
      try {
        if (channel.receive(buffer) == null) {
          return;
        }
      } catch (PortUnreachableException e) {
        drop(session, unreachable());
        continue;
      } catch (IOException e) {
        // The session was closed meanwhile (ClosedChannelException), or its socket failed.
        return;
      }
      buffer.flip();
      if (buffer.remaining() > maxDatagramBytes) {
        drop(
            session,
            "a reply of "
                + buffer.remaining()
                + " bytes exceeds the "
                + maxDatagramBytes
                + "-byte limit");
        continue;
      }
      byte[] payload = new byte[buffer.remaining()];
      buffer.get(payload);
      throttle(payload.length);
      try {
        replies.reply(session, payload);
        counts.toPeer();
      } catch (IOException e) {
        log.debug("udp {}: replies cannot be passed on any more: {}", name, e.toString());
        closed = true;
        return;
      }
    }
  }

  /** Waits for the limiter in small steps, so that {@link #close()} is never held up for long. */
  private void throttle(int bytes) {
    if (replyLimiter == null) {
      return;
    }
    for (int left = bytes; left > 0; left -= RateLimitedInputStream.MAX_CHUNK_BYTES) {
      replyLimiter.acquire(Math.min(left, RateLimitedInputStream.MAX_CHUNK_BYTES));
    }
  }

  private String unreachable() {
    return "the service's port is closed (ICMP port unreachable); is " + where + " running?";
  }

  private boolean drop(int session, Object reason) {
    long dropped = counts.dropped();
    dropLog.warn(
        "udp {}: dropped a datagram of session {} to or from {}: {} ({} dropped in all)",
        name,
        session,
        where,
        reason,
        dropped);
    return false;
  }
}
