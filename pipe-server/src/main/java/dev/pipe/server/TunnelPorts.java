package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Traffic;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.function.IntSupplier;

/**
 * The public ports of all tunnels on this server: who holds which, binding new ones within the
 * ports the requesting user may claim, and the load-balanced groups that share a port. Opening and
 * closing are serialised here, so that two members joining a new group at once make one group. TCP
 * and UDP ports are separate namespaces, as in the kernel: a TCP tunnel and a UDP tunnel may share
 * a number. UDP tunnels are never members of a group.
 */
final class TunnelPorts {
  private static final int BACKLOG = 1_024;
  private static final String ANOTHER_TUNNEL =
      "another tunnel on this server; pick another remote port, or 0 for any free one";

  /**
   * Room for a burst from many UDP peers (the kernel doubles it, within net.core.rmem_max), but not
   * much more: under overload a deeper queue only delays every datagram, which games and voice
   * notice more than a drop.
   */
  private static final int UDP_SOCKET_BUFFER_BYTES = 1024 * 1024;

  private final String bindAddress;
  private final PendingConnections pending;
  private final IntSupplier maxConnectionsPerTunnel;
  private final IntSupplier maxGroupMembers;
  private final DatagramChannelRequests datagramChannels;
  private final Duration datagramRequestTimeout;
  private final ServerEvents events;
  private final Carrier carrier;
  private final Map<Integer, PublicPort> byPort = new HashMap<>();
  private final Map<Integer, PublicDatagramPort> byUdpPort = new HashMap<>();
  private final Map<String, PublicPort> groups = new HashMap<>();

  /**
   * @param datagramRequestTimeout how long a UDP tunnel waits for the data connection it asked for
   *     before it asks again
   */
  TunnelPorts(
      String bindAddress,
      PendingConnections pending,
      IntSupplier maxConnectionsPerTunnel,
      IntSupplier maxGroupMembers,
      DatagramChannelRequests datagramChannels,
      Duration datagramRequestTimeout,
      ServerEvents events,
      Carrier carrier) {
    this.bindAddress = bindAddress;
    this.pending = pending;
    this.maxConnectionsPerTunnel = maxConnectionsPerTunnel;
    this.maxGroupMembers = maxGroupMembers;
    this.datagramChannels = datagramChannels;
    this.datagramRequestTimeout = datagramRequestTimeout;
    this.events = events;
    this.carrier = carrier;
  }

  /**
   * Binds the port a client asked for (or any free allowed one for 0); with {@code join}, adds the
   * tunnel to that group, whose first member binds its port. The caller starts the tunnel ({@link
   * PublicEndpoint#start}) once its client knows the port.
   */
  PublicEndpoint open(
      ControlSession owner, Message.Forward forward, Optional<Message.JoinGroup> join)
      throws TunnelRejected {
    PublicEndpoint endpoint =
        switch (forward.type()) {
          case TCP -> openTcp(owner, forward, join);
          case UDP -> openUdp(owner, forward, join);
          case HTTP, HTTPS, RELAY ->
              throw new IllegalStateException(
                  "Message.Forward refuses type " + forward.type().wireName());
        };
    events.tunnelOpened(endpoint.info());
    return endpoint;
  }

  private synchronized PublicListener openTcp(
      ControlSession owner, Message.Forward forward, Optional<Message.JoinGroup> join)
      throws TunnelRejected {
    PublicPort existing = join.map(j -> groups.get(j.group())).orElse(null);
    if (existing == null) {
      PublicPort port = bind(owner, forward, join);
      return member(owner, forward, port, join);
    }
    return joinExisting(owner, forward, existing, join.orElseThrow());
  }

  private synchronized PublicDatagramPort openUdp(
      ControlSession owner, Message.Forward forward, Optional<Message.JoinGroup> join)
      throws TunnelRejected {
    if (join.isPresent()) {
      throw new TunnelRejected(
          "a udp tunnel cannot join a load-balanced group (group '"
              + join.get().group()
              + "'); give each udp tunnel a port of its own");
    }
    PortRanges allowed = owner.user().allowedPorts();
    DatagramSocket socket =
        forward.remotePort() == 0
            ? bindAnyFree(owner, TunnelType.UDP, allowed, byUdpPort::containsKey, this::bindUdp)
            : bindRequested(
                owner,
                TunnelType.UDP,
                forward.remotePort(),
                allowed,
                byUdpPort.containsKey(forward.remotePort())
                    ? Optional.of(ANOTHER_TUNNEL)
                    : Optional.empty(),
                this::bindUdp);
    PublicDatagramPort port =
        new PublicDatagramPort(
            owner,
            info(owner, forward, socket.getLocalPort()),
            socket,
            forward.udp(),
            forward.sources(),
            maxConnectionsPerTunnel,
            datagramChannels,
            datagramRequestTimeout,
            events);
    byUdpPort.put(port.port(), port);
    return port;
  }

  private PublicListener joinExisting(
      ControlSession owner, Message.Forward forward, PublicPort port, Message.JoinGroup join)
      throws TunnelRejected {
    Optional<String> refusal = port.refusal(join);
    if (refusal.isPresent()) {
      throw new TunnelRejected(refusal.get());
    }
    PortRanges allowed = owner.user().allowedPorts();
    if (!allowed.contains(port.port())) {
      events.limitHit(ServerLimit.ALLOW_PORTS);
      throw new TunnelRejected(
          "group '"
              + join.group()
              + "' is on port "
              + port.port()
              + ", which is not allowed"
              + owner.user().where()
              + " (allowed: "
              + allowed
              + ")");
    }
    int most = maxGroupMembers.getAsInt();
    if (port.size() >= most) {
      events.limitHit(ServerLimit.MAX_GROUP_MEMBERS);
      throw new TunnelRejected(
          "group '"
              + join.group()
              + "' already has "
              + most
              + " members, the most a group may have (max_group_members)");
    }
    return member(owner, forward, port, Optional.of(join));
  }

  /** Closes the tunnel: out of its port's rotation at once, and the port closes with its last. */
  void release(PublicListener listener, String reason) {
    if (!listener.close()) {
      return;
    }
    PublicPort port = listener.publicPort();
    boolean last;
    synchronized (this) {
      last = port.leave(listener);
      if (last) {
        byPort.remove(port.port(), port);
        port.group().ifPresent(group -> groups.remove(group.name(), port));
      }
    }
    if (last) {
      port.close();
    }
    pending.dropAll(listener);
    events.tunnelClosed(listener.info(), reason);
  }

  /** Closes the UDP tunnel's data connection and its socket, which can be bound again at once. */
  void release(PublicDatagramPort port, String reason) {
    if (!port.close()) {
      return;
    }
    synchronized (this) {
      byUdpPort.remove(port.port(), port);
    }
    events.tunnelClosed(port.info(), reason);
  }

  private PublicPort bind(
      ControlSession owner, Message.Forward forward, Optional<Message.JoinGroup> join)
      throws TunnelRejected {
    PortRanges allowed = owner.user().allowedPorts();
    ServerSocket serverSocket =
        forward.remotePort() == 0
            ? bindAnyFree(owner, TunnelType.TCP, allowed, byPort::containsKey, this::bindTcp)
            : bindRequested(
                owner,
                TunnelType.TCP,
                forward.remotePort(),
                allowed,
                Optional.ofNullable(byPort.get(forward.remotePort())).map(TunnelPorts::holding),
                this::bindTcp);
    PublicPort port =
        new PublicPort(
            serverSocket,
            join.map(
                j ->
                    new PublicPort.Group(
                        j.group(), Secret.of(j.groupKey()), j.strategy(), forward.type())));
    byPort.put(port.port(), port);
    port.group().ifPresent(group -> groups.put(group.name(), port));
    return port;
  }

  /** Binds a socket of one protocol on a port; throws if the port is in use. */
  @FunctionalInterface
  private interface Binder<S> {
    S bind(int port) throws IOException;
  }

  /**
   * Binds {@code port}, which a tunnel asked for by number; {@code takenBy} says who on this server
   * holds it already, if anyone, and what to do about it.
   */
  private <S> S bindRequested(
      ControlSession owner,
      TunnelType type,
      int port,
      PortRanges allowed,
      Optional<String> takenBy,
      Binder<S> binder)
      throws TunnelRejected {
    String name = describe(type, port);
    if (!allowed.contains(port)) {
      events.limitHit(ServerLimit.ALLOW_PORTS);
      throw new TunnelRejected(
          name
              + " is not allowed"
              + owner.user().where()
              + " (allowed: "
              + allowed
              + "); pick one of those, or 0 for any free one");
    }
    if (takenBy.isPresent()) {
      throw new TunnelRejected(name + " is already taken by " + takenBy.get());
    }
    try {
      return binder.bind(port);
    } catch (IOException e) {
      throw new TunnelRejected(
          name
              + " is in use on the server ("
              + e.getMessage()
              + "); pick another remote port, or 0 for any free one");
    }
  }

  /** Binds the first allowed port that no tunnel of this server holds and no program has taken. */
  private <S> S bindAnyFree(
      ControlSession owner,
      TunnelType type,
      PortRanges allowed,
      IntPredicate held,
      Binder<S> binder)
      throws TunnelRejected {
    for (int port : allowed.candidates()) {
      if (held.test(port)) {
        continue;
      }
      try {
        return binder.bind(port);
      } catch (IOException e) {
        // Taken by another program a moment ago: try the next candidate.
      }
    }
    throw new TunnelRejected(
        "no free "
            + (type == TunnelType.UDP ? "udp " : "")
            + "port among the ports allowed"
            + owner.user().where()
            + " ("
            + allowed
            + "); try again later");
  }

  /** "port 9000" for TCP, as it always read; "udp port 9000" for UDP. */
  private static String describe(TunnelType type, int port) {
    return switch (type) {
      case TCP, HTTP, HTTPS -> "port " + port;
      case UDP -> "udp port " + port;
      case RELAY -> throw new IllegalStateException("a relay tunnel has no port");
    };
  }

  /** Without SO_REUSEADDR, which for UDP would let two sockets share the port and its datagrams. */
  private DatagramSocket bindUdp(int port) throws IOException {
    DatagramSocket socket = new DatagramSocket(null);
    try {
      socket.setReceiveBufferSize(UDP_SOCKET_BUFFER_BYTES);
      socket.setSendBufferSize(UDP_SOCKET_BUFFER_BYTES);
      socket.bind(new InetSocketAddress(bindAddress, port));
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** Who holds a TCP port, and what the tunnel that asked for it can do instead. */
  private static String holding(PublicPort holder) {
    return holder
        .group()
        .map(
            g ->
                "group '"
                    + g.name()
                    + "' on this server; pick another remote port, or 0 for any free one, or join"
                    + " the group with its group_key")
        .orElse(ANOTHER_TUNNEL);
  }

  private ServerSocket bindTcp(int port) throws IOException {
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

  private PublicListener member(
      ControlSession owner,
      Message.Forward forward,
      PublicPort port,
      Optional<Message.JoinGroup> join) {
    TunnelUsers users =
        new TunnelUsers(
            "tunnel=" + forward.tunnel() + " port=" + port.port(),
            forward.sources(),
            owner.user().sources(),
            maxConnectionsPerTunnel,
            events);
    PublicListener listener =
        new PublicListener(
            owner,
            info(owner, forward, port.port()),
            port,
            join.map(Message.JoinGroup::weight).orElse(1),
            users,
            carrier);
    port.join(listener);
    return listener;
  }

  private static TunnelInfo info(ControlSession owner, Message.Forward forward, int port) {
    return new TunnelInfo(
        ConnectionId.random().hex(),
        forward.tunnel(),
        forward.type(),
        port,
        List.of(),
        owner.info(),
        Instant.now(),
        new Traffic());
  }
}
