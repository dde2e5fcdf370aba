package dev.pipe.config;

import java.net.InetAddress;
import java.util.List;

/**
 * Which source addresses may open connections to a tunnel: none in {@code deny}, and, when {@code
 * allow} is not empty, one of those.
 */
public record SourceFilter(List<Cidr> allow, List<Cidr> deny) {
  /** Every address may connect. */
  public static final SourceFilter ANY = new SourceFilter(List.of(), List.of());

  /** Most blocks a single list may hold; the list travels in a frame and is checked per user. */
  public static final int MAX_BLOCKS = 64;

  public SourceFilter {
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
    if (allow.size() > MAX_BLOCKS || deny.size() > MAX_BLOCKS) {
      throw new IllegalArgumentException(
          "at most "
              + MAX_BLOCKS
              + " address blocks per list, got "
              + Math.max(allow.size(), deny.size()));
    }
  }

  /** Parses lists of {@link Cidr} texts. */
  public static SourceFilter parse(List<String> allow, List<String> deny) {
    return new SourceFilter(
        allow.stream().map(Cidr::parse).toList(), deny.stream().map(Cidr::parse).toList());
  }

  public boolean permits(InetAddress source) {
    if (deny.stream().anyMatch(block -> block.contains(source))) {
      return false;
    }
    return allow.isEmpty() || allow.stream().anyMatch(block -> block.contains(source));
  }

  public List<String> allowTexts() {
    return allow.stream().map(Cidr::toString).toList();
  }

  public List<String> denyTexts() {
    return deny.stream().map(Cidr::toString).toList();
  }
}
