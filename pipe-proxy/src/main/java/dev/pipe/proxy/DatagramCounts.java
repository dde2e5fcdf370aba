package dev.pipe.proxy;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one side of a UDP tunnel did with its datagrams: relayed towards the service, relayed back
 * towards the peers, or dropped. UDP gives no other signal of loss, so the counts are how an
 * operator (and a test) sees it. A datagram sent to the service and then refused by its host (ICMP
 * port unreachable, which arrives after the send) counts as sent and as dropped.
 */
public final class DatagramCounts {
  private final LongAdder toService = new LongAdder();
  private final LongAdder toPeers = new LongAdder();
  private final LongAdder dropped = new LongAdder();

  /** A datagram from a peer was passed on towards the service. */
  public void toService() {
    toService.increment();
  }

  /** A datagram from the service was passed on towards its peer. */
  public void toPeer() {
    toPeers.increment();
  }

  /** A datagram could not be delivered and was dropped; returns the drops so far. */
  public long dropped() {
    dropped.increment();
    return dropped.sum();
  }

  public long toServiceCount() {
    return toService.sum();
  }

  public long toPeersCount() {
    return toPeers.sum();
  }

  public long droppedCount() {
    return dropped.sum();
  }

  @Override
  public String toString() {
    return toService.sum()
        + " datagrams to the service, "
        + toPeers.sum()
        + " to peers, "
        + dropped.sum()
        + " dropped";
  }
}
