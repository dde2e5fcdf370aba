package dev.pipe.balance;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * nginx's smooth weighted round robin: each pick adds every candidate's weight to its current
 * weight, takes the largest, and subtracts the total from it. Weights 5, 1, 1 give a a b a c a a
 * rather than a a a a a b c, and over any whole cycle each backend gets exactly its share.
 */
final class SmoothWeighted implements Picker {
  private final Map<String, Long> current = new HashMap<>();

  @Override
  public <B extends Backend> B pick(List<B> candidates, InetAddress source) {
    if (current.size() > candidates.size() * 2) {
      // Backends that left keep no state for long: rebuilt from the candidates still here.
      current.keySet().retainAll(candidates.stream().map(Backend::key).toList());
    }
    long total = 0;
    B best = null;
    long bestWeight = Long.MIN_VALUE;
    for (B candidate : candidates) {
      long weight = current.merge(candidate.key(), (long) candidate.weight(), Long::sum);
      total += candidate.weight();
      if (weight > bestWeight) {
        bestWeight = weight;
        best = candidate;
      }
    }
    current.put(best.key(), bestWeight - total);
    return best;
  }
}
