package dev.pipe.server;

import dev.pipe.proto.CircuitRefusal;
import dev.pipe.proto.ControlChannel;

/**
 * A visitor's circuit connection, logged in and admitted, waiting for the provider's data
 * connection.
 *
 * @param visitor the circuit connection
 * @param visitorSession the visitor's control session, where the server tells it about the circuit
 *     later (closed at a limit, slowed down)
 * @param slot what the circuit counts against the relay's limits until it ends
 */
record WaitingCircuit(
    ControlChannel visitor, ControlSession visitorSession, CircuitSlots.Slot slot, String tunnel) {

  /**
   * Refuses the circuit after it waited: frees its slot at once and tells the visitor on a thread
   * of its own, since the callers include the server's timer, which must never block on a socket.
   */
  void refuseLater(CircuitRefusal reason, String message) {
    slot.close();
    Thread.ofVirtual()
        .name("circuit-refusal-" + tunnel)
        .start(() -> CircuitBroker.refuse(visitor, tunnel, reason, message));
  }
}
