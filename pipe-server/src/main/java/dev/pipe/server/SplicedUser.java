package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user connection carried byte for byte: a TCP tunnel's user, or the TLS connection of an https
 * tunnel (whose ClientHello, read to route it, is forwarded first). Whichever data connection it
 * gets, pooled or new, {@link Carrier} splices the two.
 */
final class SplicedUser implements WaitingUser {
  private static final Logger log = LoggerFactory.getLogger(SplicedUser.class);

  private final Socket user;
  private final InputStream in;
  private final StreamTunnel tunnel;
  private final Carrier carrier;
  private final CountDownLatch ended = new CountDownLatch(1);

  /**
   * @param in what to read from the user: bytes already read followed by its socket's stream, or
   *     null for the socket's stream itself
   */
  SplicedUser(Socket user, InputStream in, StreamTunnel tunnel, Carrier carrier) {
    this.user = user;
    this.in = in;
    this.tunnel = tunnel;
    this.carrier = carrier;
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
      log.debug("tunnel={} lost a user before asking for it: {}", tunnel.tunnel(), e.toString());
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
  public void claimed(ConnectionId id, ControlChannel data) {
    carrier.carry(tunnel, id, user, in, data, new Message.DataAccepted(id), ended::countDown);
  }

  @Override
  public void assigned(Message.Assign assign, PooledConnection data) {
    carrier.carry(tunnel, user, in, data, assign, ended::countDown);
  }

  @Override
  public void abandoned(String reason) {
    Sockets.closeQuietly(user);
    tunnel.users().connectionEnded();
    ended.countDown();
  }
}
