package dev.pipe.server;

import dev.pipe.proto.CircuitRefusal;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import java.net.InetSocketAddress;

/**
 * A visitor's circuit connection, logged in and admitted, waiting for the provider's data
 * connection. It never takes a pooled one: the broker splices it through the relay's rate limit and
 * deadline from its first byte, which a pooled connection's watcher would read past.
 *
 * @param visitor the circuit connection
 * @param visitorSession the visitor's control session, where the server tells it about the circuit
 *     later (closed at a limit, slowed down)
 * @param slot what the circuit counts against the relay's limits until it ends
 * @param reservation the relay tunnel it goes to
 * @param broker joins it to the provider's data connection
 */
record WaitingCircuit(
    ControlChannel visitor,
    ControlSession visitorSession,
    CircuitSlots.Slot slot,
    Reservation reservation,
    CircuitBroker broker)
    implements Waiter {

  String tunnel() {
    return reservation.tunnel();
  }

  @Override
  public InetSocketAddress source() {
    return (InetSocketAddress) visitor.socket().getRemoteSocketAddress();
  }

  @Override
  public InetSocketAddress destination() {
    return (InetSocketAddress) visitor.socket().getLocalSocketAddress();
  }

  @Override
  public void claimed(ConnectionId id, ControlChannel provider) {
    broker.splice(provider, id, this);
  }

  /**
   * Refuses the circuit after it waited: frees its slot at once and tells the visitor on a thread
   * of its own, since the callers include the server's timer, which must never block on a socket.
   */
  @Override
  public void abandoned(String reason) {
    slot.close();
    String message = "the provider could not open the circuit: " + reason;
    Thread.ofVirtual()
        .name("circuit-refusal-" + tunnel())
        .start(
            () -> CircuitBroker.refuse(visitor, tunnel(), CircuitRefusal.PROVIDER_FAILED, message));
  }
}
