package dev.pipe.server;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP or HTTPS port that all http (or https) tunnels share. Accepts users, bounds how many
 * connections the two ports hold together ({@code max_http_connections}, and per source address,
 * except for trusted proxies that speak for many users), and serves each on a virtual thread of its
 * own until it ends.
 */
final class SharedPort {
  private static final Logger log = LoggerFactory.getLogger(SharedPort.class);

  private final String kind;
  private final ServerSocket serverSocket;
  private final SourceSlots slots;
  private final HttpSettings settings;
  private final ServerEvents events;
  private final Consumer<Socket> handler;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final RateLimitedLog refused = new RateLimitedLog(log);
  private final RateLimitedLog acceptFailed = new RateLimitedLog(log);
  private volatile Thread acceptThread;

  /**
   * @param kind {@code http} or {@code https}, for thread names and log lines
   * @param handler serves one connection on its thread; the connection is closed when it returns
   */
  SharedPort(
      String kind,
      ServerSocket serverSocket,
      SourceSlots slots,
      HttpSettings settings,
      ServerEvents events,
      Consumer<Socket> handler) {
    this.kind = kind;
    this.serverSocket = serverSocket;
    this.slots = slots;
    this.settings = settings;
    this.events = events;
    this.handler = handler;
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  void start() {
    acceptThread =
        Thread.ofVirtual()
            .name(kind + "-accept")
            .start(
                () ->
                    AcceptLoop.run(
                        serverSocket, this::admit, acceptFailed, kind + " port " + port()));
  }

  private void admit(Socket user) {
    switch (slots.enter(user.getInetAddress(), settings.trusts(user.getInetAddress()))) {
      case Admission.Refused refusal -> {
        events.limitHit(refusal.limit());
        refused.warn(
            "{} port {} refused {}: limit {} = {} reached",
            kind,
            port(),
            user.getInetAddress().getHostAddress(),
            refusal.limit().key(),
            refusal.value());
        Sockets.closeQuietly(user);
      }
      case Admission.Slot slot ->
          Thread.ofVirtual()
              .name(kind + "-" + ControlChannel.describe(user.getRemoteSocketAddress()))
              .start(() -> serve(user, slot));
    }
  }

  private void serve(Socket user, Admission.Slot slot) {
    open.add(user);
    try {
      Sockets.tune(user);
      handler.accept(user);
    } catch (IOException | RuntimeException e) {
      log.warn("{} connection from {} failed", kind, user.getRemoteSocketAddress(), e);
    } finally {
      Sockets.closeQuietly(user);
      open.remove(user);
      slot.close();
    }
  }

  /** Stops accepting; returns once the port can be bound again. */
  void stopAccepting() {
    Sockets.closeListener(serverSocket, acceptThread);
  }

  /** Cuts every connection still open. */
  void closeConnections() {
    open.forEach(Sockets::closeQuietly);
  }
}
