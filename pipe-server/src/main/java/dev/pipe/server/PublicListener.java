package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One public port of one tunnel. Each user connection it accepts is parked in {@link
 * PendingConnections} under a fresh id, and the owning client is told to open a data connection for
 * that id.
 */
final class PublicListener implements PublicPort {
  private static final Logger log = LoggerFactory.getLogger(PublicListener.class);
  private static final Duration ACCEPT_RETRY_PAUSE = Duration.ofMillis(100);

  private final ControlSession owner;
  private final String tunnel;
  private final ServerSocket serverSocket;
  private final PendingConnections pending;
  private final RateLimitedLog pendingFull = new RateLimitedLog(log);
  private final RateLimitedLog acceptFailed = new RateLimitedLog(log);
  private volatile Thread acceptThread;

  PublicListener(
      ControlSession owner, String tunnel, ServerSocket serverSocket, PendingConnections pending) {
    this.owner = owner;
    this.tunnel = tunnel;
    this.serverSocket = serverSocket;
    this.pending = pending;
  }

  @Override
  public String tunnel() {
    return tunnel;
  }

  @Override
  public TunnelType type() {
    return TunnelType.TCP;
  }

  @Override
  public int port() {
    return serverSocket.getLocalPort();
  }

  @Override
  public void start() {
    acceptThread = Thread.ofVirtual().name("public-" + port()).start(this::acceptLoop);
  }

  private void acceptLoop() {
    while (!serverSocket.isClosed()) {
      Socket user;
      try {
        user = serverSocket.accept();
      } catch (IOException e) {
        if (!serverSocket.isClosed()) {
          acceptFailed.warn("tunnel={} port={} could not accept: {}", tunnel, port(), e.toString());
          pauseAfterAcceptFailure();
        }
        continue;
      }
      admit(user);
    }
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

  private void admit(Socket user) {
    ConnectionId id = ConnectionId.random();
    try {
      Sockets.tune(user);
      if (!pending.add(id, user, this)) {
        pendingFull.warn(
            "tunnel={} port={} refused a user connection: {} connections already wait for their"
                + " client (max_pending_connections)",
            tunnel,
            port(),
            pending.capacity());
        Sockets.closeQuietly(user);
        return;
      }
      owner.send(new Message.Exchange(id, tunnel));
    } catch (IOException e) {
      log.debug("tunnel={} could not announce connection id={}: {}", tunnel, id, e.toString());
      pending.fail(id, "the client's control connection failed: " + e.getMessage());
      Sockets.closeQuietly(user);
    }
  }

  @Override
  public void close() {
    Sockets.closeListener(serverSocket, acceptThread);
    pending.dropAll(this);
  }
}
