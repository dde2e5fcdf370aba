package dev.pipe.balance;

import java.net.InetAddress;
import java.util.List;

/**
 * Chooses the backend for one new connection. An implementation keeps its strategy's state (whose
 * turn it is, the current weights, the hash ring) across calls and is not thread-safe: the caller
 * serialises picks, which are a few arithmetic steps each.
 */
public sealed interface Picker
    permits RoundRobin, SmoothWeighted, ConsistentHash, LeastConnections, WeightedRandom {

  /**
   * One of {@code candidates}, which is not empty and holds only backends that may take a
   * connection now (healthy, in the rotation), in a stable order.
   *
   * @param source the user's address, for {@link Strategy#IP_HASH}
   */
  <B extends Backend> B pick(List<B> candidates, InetAddress source);
}
