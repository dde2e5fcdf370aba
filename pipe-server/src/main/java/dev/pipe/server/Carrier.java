package dev.pipe.server;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.RejectReason;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a user connection over the data connection chosen for it, whether a fresh one that
 * claimed it by id or a pooled one: announces the match on the data connection, splices the two,
 * and keeps the tunnel's books (tracking for an operator's close, traffic, events).
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
   * Sends {@code announcement} on {@code data}, then splices {@code user} and {@code data}, b to a
   * on a new virtual thread and a to b on the calling thread, until both directions end.
   */
  void carry(
      PublicListener listener,
      ConnectionId id,
      Socket user,
      ControlChannel data,
      Message announcement) {
    Splice splice = open(listener, id, user, data);
    if (splice == null) {
      return;
    }
    announce(data, announcement, user);
    Thread reverse = Thread.ofVirtual().name("splice-" + listener.tunnel()).start(splice::copyBToA);
    splice.copyAToB();
    try {
      reverse.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Books a user connection onto {@code listener}'s tunnel and prepares the splice whose two
   * directions the caller then runs; null if the tunnel was closed meanwhile, and then both
   * connections are closed.
   */
  Splice open(PublicListener listener, ConnectionId id, Socket user, ControlChannel data) {
    if (!listener.track(user)) {
      // An operator closed the tunnel while this connection waited for its data connection.
      refuse(data, "the tunnel was closed");
      Sockets.closeQuietly(user);
      listener.connectionEnded();
      return null;
    }
    TunnelInfo tunnel = listener.info();
    tunnel.traffic().connectionOpened();
    events.connectionOpened(tunnel);
    Splice.Side userSide;
    Splice.Side dataSide;
    try {
      userSide = Splice.Side.of(user).counting(tunnel.traffic().in());
      dataSide = Splice.Side.of(data.socket()).counting(tunnel.traffic().out());
    } catch (IOException e) {
      log.debug("connection id={} failed before its splice: {}", id, e.toString());
      Sockets.closeQuietly(user);
      data.close();
      end(listener, user, tunnel);
      return null;
    }
    Splice[] self = new Splice[1];
    self[0] =
        active.open(
            userSide,
            dataSide,
            "splice-" + tunnel.name(),
            () -> {
              Splice.Result result = self[0].result();
              log.debug(
                  "connection id={} tunnel={} closed: {} bytes from user, {} bytes to user",
                  id,
                  tunnel.name(),
                  result.aToB(),
                  result.bToA());
              end(listener, user, tunnel);
            });
    return self[0];
  }

  /**
   * Tells the data connection whose bytes follow; on failure both connections are closed, and the
   * splice's directions end as soon as they start.
   */
  static void announce(ControlChannel data, Message announcement, Socket user) {
    try {
      data.send(announcement);
      data.setReadTimeout(Duration.ZERO);
    } catch (IOException e) {
      log.debug("could not announce a user connection to its data connection: {}", e.toString());
      Sockets.closeQuietly(user);
      data.close();
    }
  }

  private void end(PublicListener listener, Socket user, TunnelInfo tunnel) {
    listener.untrack(user);
    listener.connectionEnded();
    tunnel.traffic().connectionClosed();
    events.connectionClosed(tunnel);
  }

  private static void refuse(ControlChannel channel, String message) {
    try {
      channel.send(new Message.Rejected(RejectReason.UNKNOWN_CONNECTION, message));
    } catch (IOException e) {
      log.debug("could not tell {} why it was refused: {}", channel.peer(), e.toString());
    }
    channel.close();
  }
}
