package dev.pipe.server;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.RejectReason;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pipe server}: accepts clients on the control port, opens their tunnels' public ports, and
 * splices each user connection to the data connection the client opens for it.
 *
 * <p>Threads: one virtual thread accepts on the control port, one per connection runs its login and
 * then its control session or its splice, one per public port accepts users. A single platform
 * timer thread enforces deadlines by closing sockets.
 */
public final class PipeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipeServer.class);
  private static final int BACKLOG = 1_024;

  /** Two of the largest Datagram frames. */
  private static final int DATAGRAM_READ_BUFFER_BYTES = 128 * 1024;

  private final ServerConfig config;
  private final ServerSocket controlListener;
  private final ScheduledExecutorService timer;
  private final PendingConnections pending;
  private final TunnelPorts ports;
  private final DatagramChannelRequests datagramChannels = new DatagramChannelRequests();
  private final ActiveSplices active = new ActiveSplices();
  private final ServerHandshake handshake;
  private final Map<String, ControlSession> sessions = new ConcurrentHashMap<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile Thread acceptThread;

  private PipeServer(ServerConfig config, ServerSocket controlListener) {
    this.config = config;
    this.controlListener = controlListener;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("pipe-timer").daemon().factory());
    this.pending =
        new PendingConnections(config.maxPendingConnections(), config.pendingTimeout(), timer);
    this.ports =
        new TunnelPorts(
            config.bindAddress(),
            config.allowedPorts(),
            pending,
            datagramChannels,
            config.pendingTimeout());
    this.handshake = new ServerHandshake(config.token(), config.allowNoAuth());
  }

  /** Binds the control port and starts accepting clients. */
  public static PipeServer start(ServerConfig config) throws IOException {
    ServerSocket listener = new ServerSocket();
    try {
      listener.setReuseAddress(true);
      listener.bind(new InetSocketAddress(config.bindAddress(), config.port()), BACKLOG);
    } catch (IOException e) {
      listener.close();
      throw new IOException(
          "cannot listen on "
              + config.bindAddress()
              + ":"
              + config.port()
              + ": "
              + e.getMessage()
              + "; is another pipe server running? choose another --port",
          e);
    }
    PipeServer server = new PipeServer(config, listener);
    server.acceptThread = Thread.ofVirtual().name("control-accept").start(server::acceptLoop);
    if (config.token().isEmpty()) {
      log.warn(
          "authentication is OFF (--allow-no-auth): anyone who can reach port {} can open tunnels",
          server.port());
    }
    log.info(
        "pipe server {} listening on {}:{} (tunnel ports {}, heartbeat {} ms)",
        PipeVersion.software(),
        config.bindAddress(),
        server.port(),
        config.allowedPorts(),
        config.heartbeatInterval().toMillis());
    return server;
  }

  /** The control port actually bound (useful with port 0). */
  public int port() {
    return controlListener.getLocalPort();
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  PendingConnections pending() {
    return pending;
  }

  TunnelPorts ports() {
    return ports;
  }

  void sessionEnded(ControlSession session) {
    sessions.remove(session.clientId(), session);
  }

  private void acceptLoop() {
    while (!closing.get()) {
      Socket socket;
      try {
        socket = controlListener.accept();
      } catch (IOException e) {
        if (!closing.get()) {
          log.warn("control port stopped accepting: {}", e.toString());
        }
        return;
      }
      Thread.ofVirtual()
          .name("connection-" + ControlChannel.describe(socket.getRemoteSocketAddress()))
          .start(() -> serve(socket));
    }
  }

  /** Runs the login under its deadline, then the control session or the splice. */
  private void serve(Socket socket) {
    String peer = ControlChannel.describe(socket.getRemoteSocketAddress());
    ScheduledFuture<?> deadline =
        timer.schedule(
            () -> Sockets.closeQuietly(socket),
            config.handshakeTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    ServerHandshake.Outcome outcome;
    try {
      Sockets.tune(socket);
      socket.setSoTimeout(Math.toIntExact(config.handshakeTimeout().toMillis()));
      outcome = handshake.perform(new ControlChannel(socket));
    } catch (ServerHandshake.Refused e) {
      log.warn("login from {} rejected: {}", peer, e.getMessage());
      Sockets.closeQuietly(socket);
      return;
    } catch (EOFException e) {
      log.debug("connection from {} closed before logging in", peer);
      Sockets.closeQuietly(socket);
      return;
    } catch (ProtocolException e) {
      log.warn("connection from {} closed: {}", peer, e.getMessage());
      Sockets.closeQuietly(socket);
      return;
    } catch (IOException e) {
      if (deadline.isDone()) {
        log.info(
            "connection from {} closed: no login within {} ms",
            peer,
            config.handshakeTimeout().toMillis());
      } else {
        log.debug("connection from {} failed during login: {}", peer, e.toString());
      }
      Sockets.closeQuietly(socket);
      return;
    } finally {
      deadline.cancel(false);
    }
    switch (outcome) {
      case ServerHandshake.ControlLogin control -> runSession(control);
      case ServerHandshake.DataLogin data -> serveData(data);
    }
  }

  private void runSession(ServerHandshake.ControlLogin control) {
    if (closing.get()) {
      refuse(control.channel(), RejectReason.SHUTTING_DOWN, "the server is shutting down");
      return;
    }
    ControlSession session =
        new ControlSession(this, control.channel(), control.login(), config.heartbeatInterval());
    ControlSession previous = sessions.put(session.clientId(), session);
    if (previous != null) {
      // The same client process reconnected before we noticed its old connection die.
      log.info("client {} reconnected; replacing its previous session", control.channel().peer());
      previous.close();
    }
    session.run();
  }

  /** A data connection carries one user connection of a TCP tunnel, or a UDP tunnel's datagrams. */
  private void serveData(ServerHandshake.DataLogin data) {
    PublicDatagramPort udp = datagramChannels.claim(data.login().id());
    if (udp == null) {
      spliceData(data);
      return;
    }
    ControlChannel raw = data.channel();
    try {
      raw.setReadTimeout(Duration.ZERO);
      // Frames follow each other closely on this connection: read them through a buffer.
      udp.serve(
          data.login().id(),
          new ControlChannel(
              raw.socket(),
              new BufferedInputStream(raw.socket().getInputStream(), DATAGRAM_READ_BUFFER_BYTES),
              raw.socket().getOutputStream()));
    } catch (IOException e) {
      log.debug("udp data connection from {} failed: {}", raw.peer(), e.toString());
      raw.close();
    }
  }

  private void spliceData(ServerHandshake.DataLogin data) {
    ControlChannel channel = data.channel();
    PendingConnections.Pending user = pending.claim(data.login().id());
    if (user == null) {
      log.warn(
          "data connection from {} closed: connection id {} is unknown, already used or expired",
          channel.peer(),
          data.login().id());
      refuse(
          channel,
          RejectReason.UNKNOWN_CONNECTION,
          "connection id " + data.login().id() + " is unknown, already used or expired");
      return;
    }
    try {
      channel.send(new Message.DataAccepted(user.id()));
      channel.setReadTimeout(Duration.ZERO);
      String tunnel = user.listener().tunnel();
      Splice.Result result =
          active.run(
              Splice.Side.of(user.user()), Splice.Side.of(channel.socket()), "splice-" + tunnel);
      log.debug(
          "connection id={} tunnel={} closed: {} bytes from user, {} bytes to user",
          user.id(),
          tunnel,
          result.aToB(),
          result.bToA());
    } catch (IOException e) {
      log.debug("data connection id={} failed: {}", user.id(), e.toString());
      Sockets.closeQuietly(user.user());
      channel.close();
    }
  }

  private static void refuse(ControlChannel channel, RejectReason reason, String message) {
    try {
      channel.send(new Message.Rejected(reason, message));
    } catch (IOException e) {
      log.debug("could not tell {} why it was refused: {}", channel.peer(), e.toString());
    }
    channel.close();
  }

  /**
   * Shuts down in a fixed order: stop accepting clients and users, tell the clients, let spliced
   * connections finish for the grace period, then cut what is left.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    log.info("shutting down: {} clients, {} active connections", sessions.size(), active.size());
    Sockets.closeListener(controlListener, acceptThread);
    for (ControlSession session : List.copyOf(sessions.values())) {
      session.goodbye("the server is shutting down");
    }
    try {
      if (!active.awaitDrained(config.shutdownGrace())) {
        log.info(
            "cutting {} connections still open after the {} ms grace period",
            active.size(),
            config.shutdownGrace().toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    active.closeAll();
    timer.shutdownNow();
    closed.countDown();
    log.info("pipe server stopped");
  }
}
