package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proxy.Splice;
import java.io.IOException;
import java.net.Socket;
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
 *       user connection is assigned, then announces it with {@link Message.Assign} and copies the
 *       user's bytes to the client;
 *   <li>the <em>watcher</em> reads: while idle the client sends nothing, so any return from that
 *       read means the connection died (and it leaves the pool at once, before a user is given to
 *       it); once assigned, what it reads is the service's answer, and it copies that to the user.
 * </ul>
 */
final class PooledConnection {
  private static final Logger log = LoggerFactory.getLogger(PooledConnection.class);

  /** Holds the first bytes of the service's answer; the splice then grows its own buffer. */
  private static final int FIRST_READ_BYTES = 512;

  /** A user connection handed to this pooled connection, or {@link #DIED}. */
  private record Assignment(PublicListener listener, ConnectionId id, Socket user) {}

  private static final Assignment DIED = new Assignment(null, null, null);

  private final ControlChannel channel;
  private final DataPool pool;
  private final BlockingQueue<Assignment> handoff = new ArrayBlockingQueue<>(1);
  private final AtomicBoolean taken = new AtomicBoolean();
  private final CompletableFuture<Splice> splice = new CompletableFuture<>();

  PooledConnection(ControlChannel channel, DataPool pool) {
    this.channel = channel;
    this.pool = pool;
  }

  /**
   * Hands {@code user} to this connection, once; false if it was handed something already or has
   * died, and the caller must find another way to carry the user.
   */
  boolean assign(PublicListener listener, ConnectionId id, Socket user) {
    if (!taken.compareAndSet(false, true)) {
      return false;
    }
    handoff.add(new Assignment(listener, id, user));
    return true;
  }

  /** Starts the watcher and runs the waiter on the calling thread; returns when it is over. */
  void serve(Duration keepalive, Carrier carrier) {
    Thread.ofVirtual().name("pooled-watch-" + channel.peer()).start(this::watch);
    try {
      Assignment assignment;
      while ((assignment = handoff.poll(keepalive.toMillis(), TimeUnit.MILLISECONDS)) == null) {
        sendHeartbeat();
      }
      if (assignment == DIED) {
        return;
      }
      Splice opened =
          carrier.open(assignment.listener(), assignment.id(), assignment.user(), channel);
      splice.complete(opened);
      if (opened == null) {
        return;
      }
      Carrier.announce(
          channel,
          new Message.Assign(
              assignment.id(),
              assignment.listener().tunnel(),
              ControlSession.addressOf(assignment.user())),
          assignment.user());
      opened.copyAToB();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.close();
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
    Splice assigned = splice.join();
    if (assigned == null) {
      return;
    }
    if (read == Integer.MIN_VALUE) {
      assigned.failBToA();
    } else {
      assigned.copyBToA(first, read);
    }
  }

  void close() {
    channel.close();
  }
}
