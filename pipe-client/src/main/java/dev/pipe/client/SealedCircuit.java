package dev.pipe.client;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Limits;
import dev.pipe.proxy.Splice;
import dev.pipe.relay.CircuitHandshake;
import dev.pipe.relay.CircuitIntegrityException;
import dev.pipe.relay.RelayKeys;
import dev.pipe.relay.SealedStreams;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One end of a relay circuit after its encrypted handshake: the side of the splice that reads and
 * writes sealed records on the circuit's connection, and, once the splice is over, why it failed if
 * it did. Both ends (the visitor and the provider) use it, each in its own role.
 */
final class SealedCircuit {
  private final SealedStreams streams;
  private final Splice.Side side;

  private SealedCircuit(SealedStreams streams, Splice.Side side) {
    this.streams = streams;
    this.side = side;
  }

  /** The visitor's end: it starts the handshake. */
  static SealedCircuit visitor(Socket socket, RelayKeys keys, ConnectionId id) throws IOException {
    return open(socket, keys, id, true, UnaryOperator.identity());
  }

  /** The provider's end: it answers; {@code throttle} may wrap what it reads (a bandwidth). */
  static SealedCircuit provider(
      Socket socket, RelayKeys keys, ConnectionId id, UnaryOperator<InputStream> throttle)
      throws IOException {
    return open(socket, keys, id, false, throttle);
  }

  private static SealedCircuit open(
      Socket socket,
      RelayKeys keys,
      ConnectionId id,
      boolean visitor,
      UnaryOperator<InputStream> throttle)
      throws IOException {
    socket.setSoTimeout(Math.toIntExact(Limits.CIRCUIT_HANDSHAKE_TIMEOUT.toMillis()));
    SealedStreams streams =
        visitor
            ? CircuitHandshake.initiate(socket.getInputStream(), socket.getOutputStream(), keys, id)
            : CircuitHandshake.respond(socket.getInputStream(), socket.getOutputStream(), keys, id);
    socket.setSoTimeout(0);
    Splice.Side side =
        Splice.Side.layered(
            socket,
            throttle.apply(streams.in()),
            streams.out(),
            () -> {
              streams.out().finish();
              socket.shutdownOutput();
            });
    return new SealedCircuit(streams, side);
  }

  Splice.Side side() {
    return side;
  }

  /** An integrity error, if bytes from the other end failed their authentication. */
  Optional<CircuitIntegrityException> integrityError() {
    return streams
        .in()
        .failure()
        .filter(CircuitIntegrityException.class::isInstance)
        .map(CircuitIntegrityException.class::cast);
  }

  /** True if the circuit ended without the other end's end record: someone cut it. */
  boolean wasCut() {
    return streams
        .in()
        .failure()
        .filter(e -> !(e instanceof CircuitIntegrityException))
        .isPresent();
  }
}
