package dev.pipe.balance;

import java.net.InetAddress;
import java.util.List;

/** Each candidate in turn: over N picks with an unchanged set, every one gets exactly N / size. */
final class RoundRobin implements Picker {
  private long turn;

  @Override
  public <B extends Backend> B pick(List<B> candidates, InetAddress source) {
    return candidates.get((int) Math.floorMod(turn++, (long) candidates.size()));
  }
}
