package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.Traffic;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The public ports of all tunnels on this server: who holds which, and binding new ones within the
 * ports the requesting user may claim.
 */
final class TunnelPorts {
  private static final int BACKLOG = 1_024;

  private final String bindAddress;
  private final PendingConnections pending;
  private final int maxConnectionsPerTunnel;
  private final ServerEvents events;
  private final ActiveSplices active;
  private final Map<Integer, PublicListener> byPort = new ConcurrentHashMap<>();

  TunnelPorts(
      String bindAddress,
      PendingConnections pending,
      int maxConnectionsPerTunnel,
      ServerEvents events,
      ActiveSplices active) {
    this.bindAddress = bindAddress;
    this.pending = pending;
    this.maxConnectionsPerTunnel = maxConnectionsPerTunnel;
    this.events = events;
    this.active = active;
  }

  /** Binds the port a client asked for (or any free allowed one for 0) and starts accepting. */
  PublicListener open(ControlSession owner, Message.Forward forward) throws TunnelRejected {
    PortRanges allowed = owner.user().allowedPorts();
    PublicListener listener =
        forward.remotePort() == 0
            ? bindAnyFree(owner, forward, allowed)
            : bindRequested(owner, forward, allowed);
    listener.start();
    events.tunnelOpened(listener.info());
    return listener;
  }

  /** Closes the tunnel's port; the first release of a tunnel reports why it closed. */
  void release(PublicListener listener, String reason) {
    byPort.remove(listener.port(), listener);
    if (listener.close()) {
      events.tunnelClosed(listener.info(), reason);
    }
  }

  private PublicListener bindRequested(
      ControlSession owner, Message.Forward forward, PortRanges allowed) throws TunnelRejected {
    int port = forward.remotePort();
    if (!allowed.contains(port)) {
      events.limitHit(ServerLimit.ALLOW_PORTS);
      throw new TunnelRejected(
          "port "
              + port
              + " is not allowed"
              + owner.user().where()
              + " (allowed: "
              + allowed
              + "); pick one of those, or 0 for any free one");
    }
    if (byPort.containsKey(port)) {
      throw new TunnelRejected(
          "port "
              + port
              + " is already taken by another tunnel on this server; pick another remote port,"
              + " or 0 for any free one");
    }
    try {
      return register(owner, forward, bind(port));
    } catch (IOException e) {
      throw new TunnelRejected(
          "port "
              + port
              + " is in use on the server ("
              + e.getMessage()
              + "); pick another remote port, or 0 for any free one");
    }
  }

  private PublicListener bindAnyFree(
      ControlSession owner, Message.Forward forward, PortRanges allowed) throws TunnelRejected {
    for (int port : allowed.candidates()) {
      if (byPort.containsKey(port)) {
        continue;
      }
      try {
        return register(owner, forward, bind(port));
      } catch (IOException e) {
        // Taken by another program a moment ago: try the next candidate.
      }
    }
    throw new TunnelRejected(
        "no free port among the ports allowed"
            + owner.user().where()
            + " ("
            + allowed
            + "); try again later");
  }

  private ServerSocket bind(int port) throws IOException {
    ServerSocket serverSocket = new ServerSocket();
    try {
      serverSocket.setReuseAddress(true);
      serverSocket.bind(new InetSocketAddress(bindAddress, port), BACKLOG);
      return serverSocket;
    } catch (IOException e) {
      serverSocket.close();
      throw e;
    }
  }

  /** The bind succeeded, so no other listener can hold this port: the kernel made sure. */
  private PublicListener register(
      ControlSession owner, Message.Forward forward, ServerSocket serverSocket) {
    TunnelInfo info =
        new TunnelInfo(
            ConnectionId.random().hex(),
            forward.tunnel(),
            forward.type(),
            serverSocket.getLocalPort(),
            List.of(),
            owner.info(),
            Instant.now(),
            new Traffic());
    TunnelUsers users =
        new TunnelUsers(
            "tunnel=" + forward.tunnel() + " port=" + serverSocket.getLocalPort(),
            forward.sources(),
            owner.user().sources(),
            maxConnectionsPerTunnel,
            events);
    PublicListener listener =
        new PublicListener(owner, info, serverSocket, pending, events, active, users);
    byPort.put(serverSocket.getLocalPort(), listener);
    return listener;
  }
}
