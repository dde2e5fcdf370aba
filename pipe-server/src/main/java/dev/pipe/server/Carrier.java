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
import java.net.Socket;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a user connection byte for byte over the data connection chosen for it, whether a fresh
 * one that claimed it by id or a pooled one: announces the match on the data connection, splices
 * the two, and keeps the tunnel's books (tracking for an operator's close, traffic, events). TCP
 * tunnels' users and https tunnels' TLS connections go this way ({@link SplicedUser}).
 */
final class Carrier {
  private static final Logger log = LoggerFactory.getLogger(Carrier.class);

  private final ActiveSplices active;
  private final ServerEvents events;

  Carrier(ActiveSplices active, ServerEvents events) {
    this.active = active;
    this.events = events;
  }

  /**
   * Tells a fresh data connection {@code accepted}, then splices {@code user} and {@code data}, b
   * to a on a new virtual thread and a to b on the calling thread, until both directions end.
   *
   * @param userIn what to read from the user (bytes already read, then its socket's stream), or
   *     null for the socket's stream
   * @param ended runs once the user's connection has ended, spliced or refused
   */
  void carry(
      StreamTunnel tunnel,
      ConnectionId id,
      Socket user,
      InputStream userIn,
      ControlChannel data,
      Message.DataAccepted accepted,
      Runnable ended) {
    Splice splice = open(tunnel, id, user, userIn, data, ended);
    if (splice == null) {
      return;
    }
    announce(data, accepted, user);
    Thread reverse = Thread.ofVirtual().name("splice-" + tunnel.tunnel()).start(splice::copyBToA);
    splice.copyAToB();
    try {
      reverse.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The same over a pooled data connection: tells it {@code assign}, then copies a to b on the
   * calling thread (its waiter) while its watcher, which holds the first bytes of the answer,
   * copies b to a. Returns when a to b has ended.
   */
  void carry(
      StreamTunnel tunnel,
      Socket user,
      InputStream userIn,
      PooledConnection data,
      Message.Assign assign,
      Runnable ended) {
    Splice splice = open(tunnel, assign.id(), user, userIn, data.channel(), ended);
    if (splice == null) {
      return;
    }
    data.readWith(
        new PooledConnection.Reader() {
          @Override
          public void firstBytes(byte[] bytes, int length) {
            splice.copyBToA(bytes, length);
          }

          @Override
          public void failed() {
            splice.failBToA();
          }
        });
    announce(data.channel(), assign, user);
    splice.copyAToB();
  }

  /**
   * Books a user connection onto its tunnel and prepares the splice whose two directions the caller
   * then runs; null if the tunnel was closed meanwhile or a socket failed, and then both
   * connections are closed and {@code ended} has run.
   */
  private Splice open(
      StreamTunnel tunnel,
      ConnectionId id,
      Socket user,
      InputStream userIn,
      ControlChannel data,
      Runnable ended) {
    TunnelUsers users = tunnel.users();
    if (!users.track(user)) {
      // An operator closed the tunnel while this connection waited for its data connection.
      PipeServer.refuse(data, RejectReason.UNKNOWN_CONNECTION, "the tunnel was closed");
      Sockets.closeQuietly(user);
      users.connectionEnded();
      ended.run();
      return null;
    }
    TunnelInfo info = tunnel.info();
    info.traffic().connectionOpened();
    events.connectionOpened(info);
    Splice.Side userSide;
    Splice.Side dataSide;
    try {
      userSide =
          (userIn == null ? Splice.Side.of(user) : Splice.Side.of(user, userIn))
              .counting(info.traffic().in());
      dataSide = Splice.Side.of(data.socket()).counting(info.traffic().out());
    } catch (IOException e) {
      log.debug("connection id={} failed before its splice: {}", id, e.toString());
      Sockets.closeQuietly(user);
      data.close();
      end(tunnel, user);
      ended.run();
      return null;
    }
    Splice[] self = new Splice[1];
    self[0] =
        active.open(
            userSide,
            dataSide,
            "splice-" + info.name(),
            () -> {
              Splice.Result result = self[0].result();
              log.debug(
                  "connection id={} tunnel={} closed: {} bytes from user, {} bytes to user",
                  id,
                  info.name(),
                  result.aToB(),
                  result.bToA());
              end(tunnel, user);
              ended.run();
            });
    return self[0];
  }

  /**
   * Tells the data connection whose bytes follow; on failure both connections are closed, and the
   * splice's directions end as soon as they start.
   */
  private static void announce(ControlChannel data, Message announcement, Socket user) {
    try {
      data.send(announcement);
      data.setReadTimeout(Duration.ZERO);
    } catch (IOException e) {
      log.debug("could not announce a user connection to its data connection: {}", e.toString());
      Sockets.closeQuietly(user);
      data.close();
    }
  }

  private void end(StreamTunnel tunnel, Socket user) {
    TunnelInfo info = tunnel.info();
    tunnel.users().untrack(user);
    tunnel.users().connectionEnded();
    info.traffic().connectionClosed();
    events.connectionClosed(info);
  }
}
