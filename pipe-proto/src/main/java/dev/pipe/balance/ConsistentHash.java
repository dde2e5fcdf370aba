package dev.pipe.balance;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consistent hashing of the user's address on a ring of virtual nodes: each backend owns {@value
 * #POINTS_PER_WEIGHT} points per unit of weight, placed by its key, and an address goes to the
 * owner of the first point at or after its hash. A backend that leaves takes only its own points
 * away, so only the addresses it held move, and they spread over the others; a backend that returns
 * gets the same points, and so the same addresses, back.
 */
final class ConsistentHash implements Picker {
  static final int POINTS_PER_WEIGHT = 64;

  private List<String> ringKeys = List.of();
  private TreeMap<Long, Integer> ring = new TreeMap<>();

  @Override
  public <B extends Backend> B pick(List<B> candidates, InetAddress source) {
    List<String> keys = candidates.stream().map(b -> b.key() + "*" + b.weight()).toList();
    if (!keys.equals(ringKeys)) {
      ring = build(candidates);
      ringKeys = keys;
    }
    long point = hash(source.getAddress());
    Map.Entry<Long, Integer> owner = ring.ceilingEntry(point);
    return candidates.get((owner == null ? ring.firstEntry() : owner).getValue());
  }

  private static <B extends Backend> TreeMap<Long, Integer> build(List<B> candidates) {
    TreeMap<Long, Integer> points = new TreeMap<>();
    for (int index = 0; index < candidates.size(); index++) {
      B backend = candidates.get(index);
      for (int i = 0; i < backend.weight() * POINTS_PER_WEIGHT; i++) {
        // A collision between two backends' points is settled by key, not by list order, so
        // that the ring does not depend on the order in which backends joined.
        long point = hash((backend.key() + "#" + i).getBytes(StandardCharsets.UTF_8));
        Integer holder = points.get(point);
        if (holder == null || candidates.get(holder).key().compareTo(backend.key()) > 0) {
          points.put(point, index);
        }
      }
    }
    return points;
  }

  /** The first 8 bytes of SHA-256: spread evenly, and the same in every JVM and version. */
  private static long hash(byte[] bytes) {
    try {
      return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(bytes)).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
