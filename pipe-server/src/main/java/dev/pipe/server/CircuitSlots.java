package dev.pipe.server;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Counts the relay's circuits, open or opening, against {@code max_circuits} and {@code
 * max_circuits_per_peer}. Each circuit counts against both of its peers: the visitor's address
 * (which, unlike a client id, a visitor cannot make up) and the provider's reservation, as libp2p's
 * relay counts both ends. The counts live under one lock that no IO ever holds.
 */
final class CircuitSlots {

  /** The answer to a request for a slot. */
  sealed interface Outcome {}

  /** A limit is reached; {@code message} tells the visitor which and what to do. */
  record Refused(ServerLimit limit, String message) implements Outcome {}

  /**
   * A circuit's place under the limits, held until it is closed (once; later closes are no-ops).
   */
  final class Slot implements Outcome, AutoCloseable {
    private final InetAddress visitor;
    private final Reservation provider;
    private final AtomicBoolean released = new AtomicBoolean();

    private Slot(InetAddress visitor, Reservation provider) {
      this.visitor = visitor;
      this.provider = provider;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        release(visitor, provider);
      }
    }
  }

  private final Supplier<RelayLimits> limits;
  private final Map<InetAddress, Integer> byVisitor = new HashMap<>();
  private final Map<Reservation, Integer> byProvider = new HashMap<>();
  private int total;

  CircuitSlots(Supplier<RelayLimits> limits) {
    this.limits = limits;
  }

  synchronized Outcome take(InetAddress visitor, Reservation provider) {
    RelayLimits limits = this.limits.get();
    int perPeer = limits.maxCircuitsPerPeer();
    if (!RelayLimits.allows(limits.maxCircuits(), total)) {
      return new Refused(
          ServerLimit.MAX_CIRCUITS,
          "limit max_circuits = "
              + limits.maxCircuits()
              + " reached: the relay already carries its most circuits; try again when one ends");
    }
    int ofVisitor = byVisitor.getOrDefault(visitor, 0);
    if (!RelayLimits.allows(perPeer, ofVisitor)) {
      return new Refused(
          ServerLimit.MAX_CIRCUITS_PER_PEER,
          "limit max_circuits_per_peer = "
              + perPeer
              + " reached: this visitor's address "
              + visitor.getHostAddress()
              + " already has "
              + ofVisitor
              + " circuits open; close one first");
    }
    int ofProvider = byProvider.getOrDefault(provider, 0);
    if (!RelayLimits.allows(perPeer, ofProvider)) {
      return new Refused(
          ServerLimit.MAX_CIRCUITS_PER_PEER,
          "limit max_circuits_per_peer = "
              + perPeer
              + " reached: the provider of relay tunnel '"
              + provider.tunnel()
              + "' already carries "
              + ofProvider
              + " circuits; try again when one ends");
    }
    total++;
    byVisitor.merge(visitor, 1, Integer::sum);
    byProvider.merge(provider, 1, Integer::sum);
    return new Slot(visitor, provider);
  }

  private synchronized void release(InetAddress visitor, Reservation provider) {
    total--;
    byVisitor.computeIfPresent(visitor, (address, count) -> count == 1 ? null : count - 1);
    byProvider.computeIfPresent(provider, (reservation, count) -> count == 1 ? null : count - 1);
  }
}
