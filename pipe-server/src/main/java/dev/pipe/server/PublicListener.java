package dev.pipe.server;

import dev.pipe.balance.Backend;
import dev.pipe.proxy.Sockets;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One tunnel behind a {@link PublicPort}: alone on its port or a member of a group. A user
 * connection from a source the tunnel does not admit, or beyond the tunnel's connection limit, is
 * closed at once, before any byte flows (see {@link TunnelUsers}). Every other is handed to the
 * owning client through {@link ControlSession#requestDataConnection}. It also knows whether its
 * client reports it healthy.
 */
final class PublicListener implements Backend, PublicEndpoint, StreamTunnel {
  private final ControlSession owner;
  private final TunnelInfo info;
  private final PublicPort publicPort;
  private final int weight;
  private final TunnelUsers users;
  private final Carrier carrier;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean healthy = true;

  PublicListener(
      ControlSession owner,
      TunnelInfo info,
      PublicPort publicPort,
      int weight,
      TunnelUsers users,
      Carrier carrier) {
    this.owner = owner;
    this.info = info;
    this.publicPort = publicPort;
    this.weight = weight;
    this.users = users;
    this.carrier = carrier;
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

  @Override
  public int port() {
    return publicPort.port();
  }

  @Override
  public String describe() {
    return String.valueOf(port());
  }

  /** Starts its port's accept thread, unless an earlier member of its group did. */
  @Override
  public void start() {
    publicPort.start();
  }

  PublicPort publicPort() {
    return publicPort;
  }

  /** The same client and tunnel name give the same key, so a member that returns gets its share. */
  @Override
  public String key() {
    return owner.clientId() + "/" + tunnel();
  }

  @Override
  public int weight() {
    return weight;
  }

  @Override
  public int activeConnections() {
    return users.connections();
  }

  /** False while the client's health check finds the local service down: no new users then. */
  boolean healthy() {
    return healthy && !closed.get();
  }

  @Override
  public boolean health(boolean nowHealthy) {
    boolean before = healthy;
    healthy = nowHealthy;
    return before != nowHealthy;
  }

  /** Takes one user connection that its port picked this tunnel for. */
  void admit(Socket user) {
    if (users.admit((InetSocketAddress) user.getRemoteSocketAddress())
        == TunnelUsers.Verdict.ADMITTED) {
      new SplicedUser(user, null, this, carrier).handOver();
    } else {
      Sockets.closeQuietly(user);
    }
  }

  /** Closes every spliced connection of this tunnel, and any that is about to be spliced. */
  @Override
  public void cutConnections() {
    users.cutConnections();
  }

  /** Marks the tunnel closed, so that it takes no new users; true for the call that closed it. */
  boolean close() {
    return closed.compareAndSet(false, true);
  }
}
