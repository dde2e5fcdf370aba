package dev.pipe.balance;

import java.net.InetAddress;
import java.util.List;
import java.util.random.RandomGenerator;

/** A candidate drawn at random, each with a chance in proportion to its weight. */
final class WeightedRandom implements Picker {
  private final RandomGenerator random;

  WeightedRandom() {
    this(RandomGenerator.getDefault());
  }

  WeightedRandom(RandomGenerator random) {
    this.random = random;
  }

  @Override
  public <B extends Backend> B pick(List<B> candidates, InetAddress source) {
    int total = 0;
    for (B candidate : candidates) {
      total += candidate.weight();
    }
    int draw = random.nextInt(total);
    for (B candidate : candidates) {
      draw -= candidate.weight();
      if (draw < 0) {
        return candidate;
      }
    }
    throw new IllegalStateException("weights changed during a pick");
  }
}
