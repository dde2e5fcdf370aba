package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import dev.pipe.proxy.Traffic;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * The public ports of all tunnels on this server: who holds which, binding new ones within the
 * ports the requesting user may claim, and the load-balanced groups that share a port. Opening and
 * closing are serialised here, so that two members joining a new group at once make one group.
 */
final class TunnelPorts {
  private static final int BACKLOG = 1_024;

  private final String bindAddress;
  private final PendingConnections pending;
  private final IntSupplier maxConnectionsPerTunnel;
  private final IntSupplier maxGroupMembers;
  private final ServerEvents events;
  private final Map<Integer, PublicPort> byPort = new HashMap<>();
  private final Map<String, PublicPort> groups = new HashMap<>();

  TunnelPorts(
      String bindAddress,
      PendingConnections pending,
      IntSupplier maxConnectionsPerTunnel,
      IntSupplier maxGroupMembers,
      ServerEvents events) {
    this.bindAddress = bindAddress;
    this.pending = pending;
    this.maxConnectionsPerTunnel = maxConnectionsPerTunnel;
    this.maxGroupMembers = maxGroupMembers;
    this.events = events;
  }

  /**
   * Binds the port a client asked for (or any free allowed one for 0) and starts accepting; with
   * {@code join}, adds the tunnel to that group, whose first member binds its port.
   */
  PublicListener open(
      ControlSession owner, Message.Forward forward, Optional<Message.JoinGroup> join)
      throws TunnelRejected {
    PublicListener listener;
    boolean newPort;
    synchronized (this) {
      PublicPort existing = join.map(j -> groups.get(j.group())).orElse(null);
      newPort = existing == null;
      if (newPort) {
        PublicPort port = bind(owner, forward, join);
        listener = member(owner, forward, port, join);
      } else {
        listener = joinExisting(owner, forward, existing, join.orElseThrow());
      }
    }
    if (newPort) {
      listener.publicPort().start();
    }
    events.tunnelOpened(listener.info());
    return listener;
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
              + where(owner.user())
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

  private PublicPort bind(
      ControlSession owner, Message.Forward forward, Optional<Message.JoinGroup> join)
      throws TunnelRejected {
    PortRanges allowed = owner.user().allowedPorts();
    ServerSocket serverSocket =
        forward.remotePort() == 0
            ? bindAnyFree(owner, allowed)
            : bindRequested(owner, forward.remotePort(), allowed);
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

  private ServerSocket bindRequested(ControlSession owner, int port, PortRanges allowed)
      throws TunnelRejected {
    if (!allowed.contains(port)) {
      events.limitHit(ServerLimit.ALLOW_PORTS);
      throw new TunnelRejected(
          "port "
              + port
              + " is not allowed"
              + where(owner.user())
              + " (allowed: "
              + allowed
              + "); pick one of those, or 0 for any free one");
    }
    PublicPort holder = byPort.get(port);
    if (holder != null) {
      throw new TunnelRejected(
          "port "
              + port
              + " is already taken by "
              + holder.group().map(g -> "group '" + g.name() + "'").orElse("another tunnel")
              + " on this server; pick another remote port, or 0 for any free one"
              + holder.group().map(g -> ", or join the group with its group_key").orElse(""));
    }
    try {
      return bind(port);
    } catch (IOException e) {
      throw new TunnelRejected(
          "port "
              + port
              + " is in use on the server ("
              + e.getMessage()
              + "); pick another remote port, or 0 for any free one");
    }
  }

  private ServerSocket bindAnyFree(ControlSession owner, PortRanges allowed) throws TunnelRejected {
    for (int port : allowed.candidates()) {
      if (byPort.containsKey(port)) {
        continue;
      }
      try {
        return bind(port);
      } catch (IOException e) {
        // Taken by another program a moment ago: try the next candidate.
      }
    }
    throw new TunnelRejected(
        "no free port among the ports allowed"
            + where(owner.user())
            + " ("
            + allowed
            + "); try again later");
  }

  private static String where(User user) {
    return switch (user.name()) {
      case User.SHARED, User.ANONYMOUS -> " on this server";
      default -> " for user " + user.name();
    };
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

  private PublicListener member(
      ControlSession owner,
      Message.Forward forward,
      PublicPort port,
      Optional<Message.JoinGroup> join) {
    TunnelInfo info =
        new TunnelInfo(
            ConnectionId.random().hex(),
            forward.tunnel(),
            forward.type(),
            port.port(),
            owner.info(),
            Instant.now(),
            new Traffic());
    PublicListener listener =
        new PublicListener(
            owner,
            info,
            port,
            join.map(Message.JoinGroup::weight).orElse(1),
            pending,
            events,
            forward.sources(),
            maxConnectionsPerTunnel);
    port.join(listener);
    return listener;
  }
}
