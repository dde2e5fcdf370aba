package dev.pipe.client;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data connections opened ahead of time, so that a user connection need not wait for a TCP connect,
 * a TLS handshake and a login: the server hands it to one of these at once. Each slot is a virtual
 * thread that opens a connection, waits on it (the server's heartbeats prove it alive), and when
 * the server assigns it a user connection, hands it to its tunnel and opens the next one. The
 * server assigns only the users of TCP, http and https tunnels (a UDP tunnel and a relay tunnel's
 * circuits ask for their data connections): while the client has none of those, as a visitor has
 * none, the slots wait instead of holding idle connections on the server.
 */
final class DataConnectionPool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DataConnectionPool.class);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

  private final int size;
  private final ServerDialer dialer;
  private final Duration heartbeatInterval;
  private final Supplier<Map<String, Tunnel>> tunnels;
  private final Set<ControlChannel> idle = ConcurrentHashMap.newKeySet();
  private final List<Thread> slots = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  DataConnectionPool(
      int size,
      ServerDialer dialer,
      Duration heartbeatInterval,
      Supplier<Map<String, Tunnel>> tunnels) {
    this.size = size;
    this.dialer = dialer;
    this.heartbeatInterval = heartbeatInterval;
    this.tunnels = tunnels;
  }

  void start() {
    for (int slot = 0; slot < size; slot++) {
      slots.add(Thread.ofVirtual().name("pool-" + slot).start(this::keepSlotFilled));
    }
  }

  /** Idle connections now. */
  int idle() {
    return idle.size();
  }

  private void keepSlotFilled() {
    while (!closed.get()) {
      if (tunnels.get().values().stream().noneMatch(DataConnectionPool::assignable)) {
        pause();
        continue;
      }
      ControlChannel channel;
      try {
        channel = dialer.openPooled();
      } catch (IOException | ClientFailure e) {
        if (!closed.get()) {
          log.debug("could not open a pooled data connection: {}", e.getMessage());
          pause();
        }
        continue;
      }
      idle.add(channel);
      if (closed.get()) {
        channel.close();
      }
      waitForAssignment(channel);
    }
  }

  /** Returns when the connection was handed to a tunnel or has died. */
  private void waitForAssignment(ControlChannel channel) {
    try {
      channel.setReadTimeout(Limits.deadAfter(heartbeatInterval));
      Message message;
      while ((message = channel.receive()) instanceof Message.Heartbeat) {
        // The server's keepalive: the connection is alive and still waiting.
      }
      idle.remove(channel);
      if (!(message instanceof Message.Assign assign)) {
        throw new ProtocolException(
            message.getClass().getSimpleName() + " is not valid on an idle pooled connection");
      }
      Tunnel tunnel = tunnels.get().get(assign.tunnel());
      if (tunnel == null) {
        // A reload removed the tunnel while the server was assigning this user.
        throw new IOException("the server assigned tunnel " + assign.tunnel() + ", since removed");
      }
      if (!assignable(tunnel)) {
        throw new ProtocolException(
            "the server assigned a user of "
                + tunnel.spec().type().wireName()
                + " tunnel "
                + assign.tunnel()
                + " to a pooled connection; only the users of tcp, http and https tunnels come that"
                + " way");
      }
      // From here on the connection carries a user's bytes, which may pause for as long as the user
      // likes; heartbeats no longer prove it alive.
      channel.setReadTimeout(Duration.ZERO);
      UserAddresses user = UserAddresses.of(assign);
      Thread.ofVirtual()
          .name("assigned-" + assign.tunnel())
          .start(() -> tunnel.serveAssigned(assign.id(), user, channel.socket()));
    } catch (IOException e) {
      idle.remove(channel);
      channel.close();
      if (!closed.get()) {
        log.debug("pooled data connection ended: {}", e.toString());
      }
    }
  }

  /** True for a tunnel whose users the server may hand to a pooled connection. */
  private static boolean assignable(Tunnel tunnel) {
    return switch (tunnel.spec().type()) {
      case TCP, HTTP, HTTPS -> true;
      case UDP, RELAY -> false;
    };
  }

  private static void pause() {
    try {
      Thread.sleep(RETRY_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops refilling and closes the idle connections; assigned ones carry on. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      idle.forEach(ControlChannel::close);
      slots.forEach(Thread::interrupt);
    }
  }
}
