package dev.pipe.client;

import dev.pipe.proto.ConnectionId;
import org.slf4j.Logger;

/** How either end of a relay circuit reports the way it ended. */
final class CircuitReports {
  private CircuitReports() {}

  /**
   * An integrity error is news for the user (something altered the bytes): the listener reports it.
   * A cut is logged only: the server says why when it ends a circuit itself.
   */
  static void ended(
      Logger log, ClientListener listener, String tunnel, ConnectionId id, SealedCircuit circuit) {
    circuit
        .integrityError()
        .ifPresentOrElse(
            error -> listener.circuitBroken(tunnel, error.getMessage()),
            () -> {
              if (circuit.wasCut()) {
                log.info(
                    "relay tunnel {}: circuit id={} was cut before its end (by the relay or the"
                        + " network)",
                    tunnel,
                    id);
              } else {
                log.debug("relay tunnel {}: circuit id={} ended", tunnel, id);
              }
            });
  }
}
