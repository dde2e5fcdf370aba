package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logged-in data connection that a client opened ahead of time, waiting in its {@link DataPool}
 * for a user connection. Two virtual threads serve it:
 *
 * <ul>
 *   <li>the <em>waiter</em> sends a heartbeat every interval (keeping NAT mappings alive) until a
 *       user is assigned, then hands the connection to that {@link WaitingUser}, which announces it
 *       with {@link Message.Assign} and carries the user's bytes (a splice copies them to the
 *       client on this thread; an HTTP connection lets it go and writes its requests itself);
 *   <li>the <em>watcher</em> reads: while idle the client sends nothing, so any return from that
 *       read means the connection died (and it leaves the pool at once, before a user is given to
 *       it); once assigned, what it reads is the service's answer, which it hands to the user's
 *       {@link Reader}.
 * </ul>
 */
final class PooledConnection {
  private static final Logger log = LoggerFactory.getLogger(PooledConnection.class);

  /** Holds the first bytes of the service's answer; the reader then grows its own buffer. */
  private static final int FIRST_READ_BYTES = 512;

  /** Takes what the watcher read first from an assigned connection, on the watcher's thread. */
  interface Reader {
    /** The first {@code length} bytes of {@code bytes}; -1 if the connection ended first. */
    void firstBytes(byte[] bytes, int length);

    /** The connection failed before its first byte. */
    void failed();
  }

  /** For a user that refused the connection, or gave up on it: nothing is read on. */
  private static final Reader NOBODY =
      new Reader() {
        @Override
        public void firstBytes(byte[] bytes, int length) {
          // The user refused the connection (and closed it) or gave up; nobody reads on.
        }

        @Override
        public void failed() {
          // As above: the connection is closed, and nobody waits for it.
        }
      };

  /** A user handed to this pooled connection, or {@link #DIED}. */
  private record Assignment(StreamTunnel tunnel, ConnectionId id, WaitingUser user) {}

  private static final Assignment DIED = new Assignment(null, null, null);

  private final ControlChannel channel;
  private final DataPool pool;
  private final BlockingQueue<Assignment> handoff = new ArrayBlockingQueue<>(1);
  private final AtomicBoolean taken = new AtomicBoolean();
  private final CompletableFuture<Reader> reader = new CompletableFuture<>();

  PooledConnection(ControlChannel channel, DataPool pool) {
    this.channel = channel;
    this.pool = pool;
  }

  /**
   * Hands {@code user} of {@code tunnel} to this connection, once; false if it was handed something
   * already or has died, and the caller must find another way to carry the user.
   */
  boolean assign(StreamTunnel tunnel, ConnectionId id, WaitingUser user) {
    if (!taken.compareAndSet(false, true)) {
      return false;
    }
    handoff.add(new Assignment(tunnel, id, user));
    return true;
  }

  /** The connection, for the assigned user to announce itself on and write to. */
  ControlChannel channel() {
    return channel;
  }

  /** Who reads from the assigned connection: the watcher hands it its first read. */
  void readWith(Reader next) {
    reader.complete(next);
  }

  /** Starts the watcher and runs the waiter on the calling thread; returns when it is over. */
  void serve(Duration keepalive) {
    Thread.ofVirtual().name("pooled-watch-" + channel.peer()).start(this::watch);
    Assignment assignment;
    try {
      while ((assignment = handoff.poll(keepalive.toMillis(), TimeUnit.MILLISECONDS)) == null) {
        sendHeartbeat();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.close();
      return;
    }
    if (assignment == DIED) {
      return;
    }
    try {
      WaitingUser user = assignment.user();
      user.assigned(user.assign(assignment.id(), assignment.tunnel().tunnel()), this);
    } finally {
      // A user that gave the watcher no reader refused the connection: the watcher may end.
      reader.complete(NOBODY);
    }
  }

  private void sendHeartbeat() {
    try {
      channel.send(new Message.Heartbeat());
    } catch (IOException e) {
      // The watcher's read fails as well and takes the connection out of the pool.
      log.debug("heartbeat on a pooled data connection failed: {}", e.toString());
      channel.close();
    }
  }

  private void watch() {
    byte[] first = new byte[FIRST_READ_BYTES];
    int read;
    try {
      read = channel.socket().getInputStream().read(first);
    } catch (IOException e) {
      read = Integer.MIN_VALUE;
    }
    if (taken.compareAndSet(false, true)) {
      log.debug("pooled data connection from {} ended while idle", channel.peer());
      pool.remove(this);
      channel.close();
      handoff.offer(DIED);
      return;
    }
    Reader assigned = reader.join();
    if (read == Integer.MIN_VALUE) {
      assigned.failed();
    } else {
      assigned.firstBytes(first, read);
    }
  }

  void close() {
    channel.close();
  }
}
