package dev.pipe.client;

import com.google.common.util.concurrent.RateLimiter;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.RateLimitedInputStream;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configured tunnel at run time. A TCP tunnel serves each user connection the server announces by
 * dialing the local service and a data connection, and splicing the two; a UDP tunnel hands its
 * data connection to its {@link DatagramTunnel}. Its bandwidth limit is shared by all its
 * connections, one limiter per direction.
 */
final class Tunnel {
  private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

  private final TunnelSpec spec;
  private final ServerDialer dialer;
  private final ActiveSplices active;
  private final RateLimiter upload;
  private final RateLimiter download;
  private final Optional<DatagramTunnel> datagrams;

  Tunnel(TunnelSpec spec, ServerDialer dialer, ActiveSplices active) {
    this.spec = spec;
    this.dialer = dialer;
    this.active = active;
    this.upload = spec.bandwidth().map(bandwidth -> bandwidth.newLimiter()).orElse(null);
    this.download = spec.bandwidth().map(bandwidth -> bandwidth.newLimiter()).orElse(null);
    this.datagrams = spec.udp().map(udp -> new DatagramTunnel(spec, udp, dialer, upload, download));
  }

  TunnelSpec spec() {
    return spec;
  }

  /**
   * Serves what the server announced with an Exchange: one user connection of a TCP tunnel, or the
   * data connection of a UDP tunnel. Runs on its own virtual thread.
   */
  void serve(ConnectionId id, ClientSession session) {
    switch (spec.type()) {
      case TCP -> serveConnection(id, session);
      case UDP -> datagrams.orElseThrow().serve(id);
    }
  }

  /** Ends what outlives a control connection: a UDP tunnel's data connection and its sessions. */
  void closeDatagrams() {
    datagrams.ifPresent(DatagramTunnel::close);
  }

  private void serveConnection(ConnectionId id, ClientSession session) {
    Socket local = new Socket();
    try {
      Sockets.tune(local);
      local.connect(
          spec.local().toAddress(), Math.toIntExact(Limits.LOCAL_CONNECT_TIMEOUT.toMillis()));
    } catch (IOException e) {
      Sockets.closeQuietly(local);
      String reason = "local service " + spec.local() + " is unreachable (" + e.getMessage() + ")";
      log.warn("tunnel {}: {}; closing user connection id={}", spec.name(), reason, id);
      session.sendQuietly(new Message.ExchangeFailed(id, reason));
      return;
    }
    Socket data;
    try {
      data = dialer.openData(id);
    } catch (IOException | ClientFailure e) {
      Sockets.closeQuietly(local);
      log.warn(
          "tunnel {}: data connection for id={} to server {} failed: {}",
          spec.name(),
          id,
          dialer.server(),
          e.getMessage());
      return;
    }
    try {
      Splice.Result result =
          active.run(
              Splice.Side.of(local, throttled(local.getInputStream(), upload)),
              Splice.Side.of(data, throttled(data.getInputStream(), download)),
              "splice-" + spec.name());
      log.debug(
          "tunnel {} connection id={} closed: {} bytes up, {} bytes down",
          spec.name(),
          id,
          result.aToB(),
          result.bToA());
    } catch (IOException e) {
      log.debug("tunnel {} connection id={} failed: {}", spec.name(), id, e.toString());
      Sockets.closeQuietly(local);
      Sockets.closeQuietly(data);
    }
  }

  private static InputStream throttled(InputStream in, RateLimiter limiter) {
    return limiter == null ? in : new RateLimitedInputStream(in, limiter);
  }
}
