package dev.pipe.server;

import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.Sockets;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One public port of one tunnel. A user connection from a source the tunnel does not admit, or
 * beyond the tunnel's connection limit, is closed at accept, before any byte flows (see {@link
 * TunnelUsers}). Every other is parked in {@link PendingConnections} under a fresh id, and the
 * owning client is told to open a data connection for that id.
 */
final class PublicListener implements OpenTunnel {
  private static final Logger log = LoggerFactory.getLogger(PublicListener.class);

  private final ControlSession owner;
  private final TunnelInfo info;
  private final ServerSocket serverSocket;
  private final PendingConnections pending;
  private final ServerEvents events;
  private final ActiveSplices active;
  private final TunnelUsers users;
  private final RateLimitedLog acceptFailed = new RateLimitedLog(log);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread acceptThread;

  PublicListener(
      ControlSession owner,
      TunnelInfo info,
      ServerSocket serverSocket,
      PendingConnections pending,
      ServerEvents events,
      ActiveSplices active,
      TunnelUsers users) {
    this.owner = owner;
    this.info = info;
    this.serverSocket = serverSocket;
    this.pending = pending;
    this.events = events;
    this.active = active;
    this.users = users;
  }

  @Override
  public TunnelInfo info() {
    return info;
  }

  @Override
  public ControlSession owner() {
    return owner;
  }

  @Override
  public TunnelUsers users() {
    return users;
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  void start() {
    acceptThread =
        Thread.ofVirtual()
            .name("public-" + port())
            .start(
                () ->
                    AcceptLoop.run(
                        serverSocket,
                        this::admit,
                        acceptFailed,
                        "tunnel=" + name() + " port=" + port()));
  }

  private void admit(Socket user) {
    if (users.admit((InetSocketAddress) user.getRemoteSocketAddress())
        == TunnelUsers.Verdict.ADMITTED) {
      new SplicedUser(user, null, this, active, events).handOver();
    } else {
      Sockets.closeQuietly(user);
    }
  }

  /** Stops accepting and drops the users still waiting; true for the call that closed it. */
  boolean close() {
    if (!closed.compareAndSet(false, true)) {
      return false;
    }
    Sockets.closeListener(serverSocket, acceptThread);
    pending.dropAll(this);
    return true;
  }
}
