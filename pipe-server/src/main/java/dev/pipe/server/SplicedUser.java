package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.RejectReason;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user connection carried byte for byte: a TCP tunnel's user, or the TLS connection of an https
 * tunnel (whose ClientHello, read to route it, is forwarded first). Once its data connection
 * arrives, the two are spliced on the data connection's thread.
 */
final class SplicedUser implements WaitingUser {
  private static final Logger log = LoggerFactory.getLogger(SplicedUser.class);

  private final Socket user;
  private final InputStream in;
  private final OpenTunnel tunnel;
  private final ActiveSplices active;
  private final ServerEvents events;
  private final CountDownLatch ended = new CountDownLatch(1);

  /**
   * @param in what to read from the user: bytes already read followed by its socket's stream, or
   *     null for the socket's stream itself
   */
  SplicedUser(
      Socket user, InputStream in, OpenTunnel tunnel, ActiveSplices active, ServerEvents events) {
    this.user = user;
    this.in = in;
    this.tunnel = tunnel;
    this.active = active;
    this.events = events;
  }

  /**
   * Asks the tunnel's client for a data connection for this user, who was admitted to the tunnel;
   * if that cannot be done, the user's connection is closed.
   */
  void handOver() {
    try {
      Sockets.tune(user);
      if (tunnel.owner().requestDataConnection(tunnel, this)) {
        return;
      }
    } catch (IOException e) {
      log.debug("tunnel={} lost a user before asking for it: {}", tunnel.name(), e.toString());
    }
    abandoned("not handed over");
  }

  /**
   * Waits until the user's connection has ended, spliced or abandoned: for a caller that holds a
   * slot for it until then. The wait ends with the connection, which the pending timeout bounds
   * until it is spliced.
   */
  void awaitEnd() throws InterruptedException {
    ended.await();
  }

  @Override
  public InetSocketAddress source() {
    return (InetSocketAddress) user.getRemoteSocketAddress();
  }

  @Override
  public InetSocketAddress destination() {
    return (InetSocketAddress) user.getLocalSocketAddress();
  }

  @Override
  public void claimed(ConnectionId id, ControlChannel channel) {
    TunnelUsers users = tunnel.users();
    if (!users.track(user)) {
      // An operator closed the tunnel while this connection waited for its data connection.
      PipeServer.refuse(channel, RejectReason.UNKNOWN_CONNECTION, "the tunnel was closed");
      Sockets.closeQuietly(user);
      users.connectionEnded();
      ended.countDown();
      return;
    }
    TunnelInfo info = tunnel.info();
    info.traffic().connectionOpened();
    events.connectionOpened(info);
    try {
      channel.send(new Message.DataAccepted(id));
      channel.setReadTimeout(Duration.ZERO);
      Splice.Result result =
          active.run(
              (in == null ? Splice.Side.of(user) : Splice.Side.of(user, in))
                  .counting(info.traffic().in()),
              Splice.Side.of(channel.socket()).counting(info.traffic().out()),
              "splice-" + info.name());
      log.debug(
          "connection id={} tunnel={} closed: {} bytes from user, {} bytes to user",
          id,
          info.name(),
          result.aToB(),
          result.bToA());
    } catch (IOException e) {
      log.debug("data connection id={} failed: {}", id, e.toString());
      Sockets.closeQuietly(user);
      channel.close();
    } finally {
      users.untrack(user);
      users.connectionEnded();
      info.traffic().connectionClosed();
      events.connectionClosed(info);
      ended.countDown();
    }
  }

  @Override
  public void abandoned(String reason) {
    Sockets.closeQuietly(user);
    tunnel.users().connectionEnded();
    ended.countDown();
  }
}
