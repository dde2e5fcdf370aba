package dev.pipe.balance;

import java.net.InetAddress;
import java.util.List;

/**
 * The candidate with the fewest open connections per unit of weight. Ties go round robin, so that
 * idle backends share a burst instead of the first one taking it all.
 */
final class LeastConnections implements Picker {
  private long turn;

  @Override
  public <B extends Backend> B pick(List<B> candidates, InetAddress source) {
    int size = candidates.size();
    int start = (int) Math.floorMod(turn++, (long) size);
    B best = null;
    for (int i = 0; i < size; i++) {
      B candidate = candidates.get((start + i) % size);
      // a/wa < b/wb, compared without division: a*wb < b*wa.
      if (best == null
          || (long) candidate.activeConnections() * best.weight()
              < (long) best.activeConnections() * candidate.weight()) {
        best = candidate;
      }
    }
    return best;
  }
}
