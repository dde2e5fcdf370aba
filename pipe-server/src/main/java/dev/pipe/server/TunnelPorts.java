package dev.pipe.server;

import dev.pipe.proto.Message;
import dev.pipe.proto.TunnelType;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The public ports of all tunnels on this server: who holds which, and binding new ones. TCP and
 * UDP ports are separate namespaces, as in the kernel: a TCP tunnel and a UDP tunnel may share a
 * number.
 */
final class TunnelPorts {
  private static final int BACKLOG = 1_024;

  /**
   * Room for a burst from many UDP peers (the kernel doubles it, within net.core.rmem_max), but not
   * much more: under overload a deeper queue only delays every datagram, which games and voice
   * notice more than a drop.
   */
  private static final int UDP_SOCKET_BUFFER_BYTES = 1024 * 1024;

  /** A port of one protocol. */
  private record Key(TunnelType type, int port) {}

  private final String bindAddress;
  private final PortRanges allowed;
  private final PendingConnections pending;
  private final DatagramChannelRequests datagramChannels;
  private final Duration requestTimeout;
  private final Map<Key, PublicPort> byPort = new ConcurrentHashMap<>();

  TunnelPorts(
      String bindAddress,
      PortRanges allowed,
      PendingConnections pending,
      DatagramChannelRequests datagramChannels,
      Duration requestTimeout) {
    this.bindAddress = bindAddress;
    this.allowed = allowed;
    this.pending = pending;
    this.datagramChannels = datagramChannels;
    this.requestTimeout = requestTimeout;
  }

  /**
   * Binds the port a client asked for (or any free allowed one for 0); the caller starts it once
   * the client knows. Users who come earlier wait in the kernel's queue.
   */
  PublicPort open(ControlSession owner, Message.Forward forward) throws TunnelRejected {
    return forward.remotePort() == 0
        ? bindAnyFree(owner, forward)
        : bindRequested(owner, forward, forward.remotePort());
  }

  void release(PublicPort port) {
    byPort.remove(new Key(port.type(), port.port()), port);
    port.close();
  }

  private PublicPort bindRequested(ControlSession owner, Message.Forward forward, int port)
      throws TunnelRejected {
    String name = describe(forward.type(), port);
    if (!allowed.contains(port)) {
      throw new TunnelRejected(
          name
              + " is not allowed on this server (allowed: "
              + allowed
              + "); pick one of those, or 0 for any free one");
    }
    if (byPort.containsKey(new Key(forward.type(), port))) {
      throw new TunnelRejected(
          name
              + " is already taken by another tunnel on this server; pick another remote port,"
              + " or 0 for any free one");
    }
    try {
      return bind(owner, forward, port);
    } catch (IOException e) {
      throw new TunnelRejected(
          name
              + " is in use on the server ("
              + e.getMessage()
              + "); pick another remote port, or 0 for any free one");
    }
  }

  private PublicPort bindAnyFree(ControlSession owner, Message.Forward forward)
      throws TunnelRejected {
    for (int port : allowed.candidates()) {
      if (byPort.containsKey(new Key(forward.type(), port))) {
        continue;
      }
      try {
        return bind(owner, forward, port);
      } catch (IOException e) {
        // Taken by another program or another tunnel a moment ago: try the next candidate.
      }
    }
    throw new TunnelRejected(
        "no free "
            + forward.type().wireName()
            + " port among the ports this server allows ("
            + allowed
            + "); try again later");
  }

  /** The bind succeeded, so no other tunnel can hold this port: the kernel made sure. */
  private PublicPort bind(ControlSession owner, Message.Forward forward, int port)
      throws IOException {
    InetSocketAddress address = new InetSocketAddress(bindAddress, port);
    PublicPort bound =
        switch (forward.type()) {
          case TCP -> new PublicListener(owner, forward.tunnel(), listen(address), pending);
          case UDP ->
              new PublicDatagramPort(
                  owner,
                  forward.tunnel(),
                  bindUdp(address),
                  forward.udp(),
                  datagramChannels,
                  requestTimeout);
        };
    byPort.put(new Key(bound.type(), bound.port()), bound);
    return bound;
  }

  /** Without SO_REUSEADDR, which for UDP would let two sockets share the port and its datagrams. */
  private static DatagramSocket bindUdp(InetSocketAddress address) throws IOException {
    DatagramSocket socket = new DatagramSocket(null);
    try {
      socket.setReceiveBufferSize(UDP_SOCKET_BUFFER_BYTES);
      socket.setSendBufferSize(UDP_SOCKET_BUFFER_BYTES);
      socket.bind(address);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private static ServerSocket listen(InetSocketAddress address) throws IOException {
    ServerSocket serverSocket = new ServerSocket();
    try {
      serverSocket.setReuseAddress(true);
      serverSocket.bind(address, BACKLOG);
      return serverSocket;
    } catch (IOException e) {
      serverSocket.close();
      throw e;
    }
  }

  /** "port 9000" for TCP, as it always read; "udp port 9000" for UDP. */
  private static String describe(TunnelType type, int port) {
    return switch (type) {
      case TCP -> "port " + port;
      case UDP -> "udp port " + port;
    };
  }
}
