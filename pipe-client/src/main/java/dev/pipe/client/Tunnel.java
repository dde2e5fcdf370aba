package dev.pipe.client;

import com.google.common.util.concurrent.RateLimiter;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.RateLimitedInputStream;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import dev.pipe.proxy.Traffic;
import dev.pipe.relay.RelayKeys;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configured tunnel at run time: serves each user connection the server announces by dialing the
 * local service and a data connection, and splicing the two. For a relay tunnel the data connection
 * is a visitor's circuit: the splice runs through the end-to-end encryption, after a handshake that
 * proves the visitor holds the tunnel's secret. Its bandwidth limit is shared by all its
 * connections, one limiter per direction. It also keeps the tunnel's state and traffic for {@code
 * pipe status}.
 */
final class Tunnel {
  private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

  private final TunnelSpec spec;
  private final ServerDialer dialer;
  private final ActiveSplices active;
  private final ClientListener listener;
  private final Optional<RelayKeys> relayKeys;
  private final RateLimiter upload;
  private final RateLimiter download;
  private final Traffic traffic = new Traffic();
  private volatile TunnelState state = TunnelState.CONNECTING;
  private volatile String detail = "";
  private volatile int remotePort;

  Tunnel(TunnelSpec spec, ServerDialer dialer, ActiveSplices active, ClientListener listener) {
    this.spec = spec;
    this.dialer = dialer;
    this.active = active;
    this.listener = listener;
    this.relayKeys =
        spec.type() == TunnelType.RELAY
            ? Optional.of(RelayKeys.derive(spec.name(), spec.secret()))
            : Optional.empty();
    this.upload = spec.bandwidth().map(bandwidth -> bandwidth.newLimiter()).orElse(null);
    this.download = spec.bandwidth().map(bandwidth -> bandwidth.newLimiter()).orElse(null);
  }

  TunnelSpec spec() {
    return spec;
  }

  TunnelState state() {
    return state;
  }

  /** The keys of a relay tunnel; empty for a tunnel with a public port. */
  Optional<RelayKeys> relayKeys() {
    return relayKeys;
  }

  void ready(int port) {
    remotePort = port;
    moveTo(TunnelState.READY, "");
  }

  void rejected(String reason) {
    moveTo(TunnelState.REJECTED, reason);
  }

  void closedByServer(String reason) {
    moveTo(TunnelState.CLOSED, reason);
  }

  /** The connection to the server ended; true if the tunnel was open until now. */
  boolean offline(String reason) {
    if (state != TunnelState.READY) {
      return false;
    }
    moveTo(TunnelState.OFFLINE, reason);
    return true;
  }

  private void moveTo(TunnelState next, String why) {
    detail = why;
    state = next;
  }

  TunnelStatus status() {
    return new TunnelStatus(
        spec.name(),
        spec.type().wireName(),
        spec.local().toString(),
        remotePort,
        state.label(),
        detail,
        traffic.connectionsActive(),
        traffic.connectionsTotal(),
        traffic.bytesIn(),
        traffic.bytesOut());
  }

  /** Serves one user connection; runs on its own virtual thread. */
  void serve(ConnectionId id, ClientSession session) {
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
    if (relayKeys.isPresent()) {
      serveCircuit(id, local, data, relayKeys.get());
      return;
    }
    traffic.connectionOpened();
    try {
      Splice.Result result =
          active.run(
              Splice.Side.of(local, throttled(local.getInputStream(), upload))
                  .counting(traffic.out()),
              Splice.Side.of(data, throttled(data.getInputStream(), download))
                  .counting(traffic.in()),
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
    } finally {
      traffic.connectionClosed();
    }
  }

  /** Serves one visitor's circuit: the encrypted handshake, then the splice through it. */
  private void serveCircuit(ConnectionId id, Socket local, Socket data, RelayKeys keys) {
    SealedCircuit circuit;
    try {
      circuit = SealedCircuit.provider(data, keys, id, in -> throttled(in, download));
    } catch (IOException e) {
      listener.circuitBroken(spec.name(), "circuit id=" + id + " refused: " + e.getMessage());
      Sockets.closeQuietly(local);
      Sockets.closeQuietly(data);
      return;
    }
    traffic.connectionOpened();
    try {
      active.run(
          Splice.Side.of(local, throttled(local.getInputStream(), upload)).counting(traffic.out()),
          circuit.side().counting(traffic.in()),
          "circuit-" + spec.name());
    } catch (IOException e) {
      log.debug("tunnel {} circuit id={} failed: {}", spec.name(), id, e.toString());
      Sockets.closeQuietly(local);
      Sockets.closeQuietly(data);
    } finally {
      traffic.connectionClosed();
    }
    CircuitReports.ended(log, listener, spec.name(), id, circuit);
  }

  private static InputStream throttled(InputStream in, RateLimiter limiter) {
    return limiter == null ? in : new RateLimitedInputStream(in, limiter);
  }
}
