package dev.pipe.server;

import dev.pipe.balance.Picker;
import dev.pipe.balance.Strategy;
import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One public port and the tunnels behind it: a single tunnel, or the members of a load-balanced
 * group. Its accept thread picks, for each user connection, one healthy tunnel by the group's
 * {@link Strategy} and hands the user to it; a tunnel alone on its port is a group of one. A member
 * out of the rotation (gone, or unhealthy) gets no new users; those it already carries are not
 * touched.
 */
final class PublicPort {
  private static final Logger log = LoggerFactory.getLogger(PublicPort.class);
  private static final Duration ACCEPT_RETRY_PAUSE = Duration.ofMillis(100);

  /** What every member of a group must agree on; the first member sets it. */
  record Group(String name, Secret key, Strategy strategy, TunnelType type) {}

  private final ServerSocket serverSocket;
  private final Optional<Group> group;
  private final Picker picker;
  private final List<PublicListener> members = new ArrayList<>();
  private final RateLimitedLog noMember = new RateLimitedLog(log);
  private final RateLimitedLog acceptFailed = new RateLimitedLog(log);
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile Thread acceptThread;

  PublicPort(ServerSocket serverSocket, Optional<Group> group) {
    this.serverSocket = serverSocket;
    this.group = group;
    this.picker = group.map(Group::strategy).orElse(Strategy.ROUND_ROBIN).newPicker();
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  Optional<Group> group() {
    return group;
  }

  /** Why {@code join} may not join this port's group; empty if it may. */
  Optional<String> refusal(Message.JoinGroup join) {
    Group mine = group.orElseThrow();
    if (!mine.key().matches(join.groupKey())) {
      return Optional.of(
          "wrong group_key for group '"
              + mine.name()
              + "'; every member of a group must hold the same group_key");
    }
    if (mine.strategy() != join.strategy()) {
      return Optional.of(
          "group '"
              + mine.name()
              + "' balances with strategy "
              + mine.strategy().wireName()
              + " but this member asks for "
              + join.strategy().wireName()
              + "; give every member the same strategy");
    }
    if (mine.type() != join.forward().type()) {
      return Optional.of(
          "group '"
              + mine.name()
              + "' carries "
              + mine.type().wireName()
              + " but this member is "
              + join.forward().type().wireName()
              + "; a group has one tunnel type");
    }
    int asked = join.forward().remotePort();
    if (asked != 0 && asked != port()) {
      return Optional.of(
          "group '"
              + mine.name()
              + "' is on port "
              + port()
              + ", not "
              + asked
              + "; ask for remote port "
              + port()
              + " (or 0)");
    }
    return Optional.empty();
  }

  synchronized int size() {
    return members.size();
  }

  synchronized void join(PublicListener member) {
    members.add(member);
  }

  /** Takes {@code member} out; true if the port has no member left and must close. */
  synchronized boolean leave(PublicListener member) {
    members.remove(member);
    return members.isEmpty();
  }

  /**
   * Starts accepting once its first member's client knows the port; later calls (members joining)
   * change nothing. Users who come earlier wait in the kernel's queue.
   */
  void start() {
    if (started.compareAndSet(false, true)) {
      acceptThread = Thread.ofVirtual().name("public-" + port()).start(this::acceptLoop);
    }
  }

  private void acceptLoop() {
    while (!serverSocket.isClosed()) {
      Socket user;
      try {
        user = serverSocket.accept();
      } catch (IOException e) {
        if (!serverSocket.isClosed()) {
          acceptFailed.warn("port={} could not accept: {}", port(), e.toString());
          pauseAfterAcceptFailure();
        }
        continue;
      }
      Optional<PublicListener> member = pick(user);
      if (member.isPresent()) {
        member.get().admit(user);
      } else {
        noMember.warn(
            "port={}{} refused a user connection: no tunnel behind it is healthy",
            port(),
            group.map(g -> " group=" + g.name()).orElse(""));
        Sockets.closeQuietly(user);
      }
    }
  }

  /** The healthy member the strategy picks for this user; empty if none is healthy. */
  private synchronized Optional<PublicListener> pick(Socket user) {
    List<PublicListener> healthy = members.stream().filter(PublicListener::healthy).toList();
    if (healthy.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(picker.pick(healthy, user.getInetAddress()));
  }

  /**
   * Accept fails when the process is out of file descriptors; retrying at once would spin, and
   * giving up would kill the tunnel over a passing overload.
   */
  private static void pauseAfterAcceptFailure() {
    try {
      Thread.sleep(ACCEPT_RETRY_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops accepting; the port can be bound again when this returns. */
  void close() {
    Sockets.closeListener(serverSocket, acceptThread);
  }
}
