package dev.pipe.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/** The public ports clients may claim, written as {@code 9000-9100,9200}. */
public final class PortRanges {
  /** Every unprivileged port: the default when the operator does not restrict ports. */
  public static final PortRanges UNPRIVILEGED = parse("1024-65535");

  /** How many ports {@link #candidates} offers at most, to bound the search for a free port. */
  private static final int MAX_CANDIDATES = 1_000;

  private record Range(int first, int last) {
    int size() {
      return last - first + 1;
    }

    @Override
    public String toString() {
      return first == last ? Integer.toString(first) : first + "-" + last;
    }
  }

  private final List<Range> ranges;

  private PortRanges(List<Range> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  /**
   * Parses a comma-separated list of ports and inclusive ranges, for example {@code
   * 9000-9100,9200}.
   */
  public static PortRanges parse(String text) {
    List<Range> ranges = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String item = part.strip();
      int dash = item.indexOf('-');
      int first = port(dash < 0 ? item : item.substring(0, dash), text);
      int last = dash < 0 ? first : port(item.substring(dash + 1), text);
      if (first > last) {
        throw new IllegalArgumentException(
            "range '" + item + "' in '" + text + "' ends before it starts; write LOW-HIGH");
      }
      ranges.add(new Range(first, last));
    }
    return new PortRanges(ranges);
  }

  private static int port(String value, String whole) {
    try {
      int port = Integer.parseInt(value.strip());
      if (port >= 1 && port <= 65_535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below, which shows the whole value
    }
    throw new IllegalArgumentException(
        "'" + whole + "' is not a port list; write ports 1-65535 and ranges, like 9000-9100,9200");
  }

  public boolean contains(int port) {
    return ranges.stream().anyMatch(range -> port >= range.first() && port <= range.last());
  }

  /**
   * Ports to try, in order, when a client asks for any free port: a walk through the allowed ports
   * from a random start, so that clients do not all fight over the first one.
   */
  public List<Integer> candidates() {
    List<Integer> all = new ArrayList<>();
    long total = ranges.stream().mapToLong(Range::size).sum();
    long start = ThreadLocalRandom.current().nextLong(total);
    for (long i = 0; i < Math.min(total, MAX_CANDIDATES); i++) {
      all.add(portAt((start + i) % total));
    }
    return all;
  }

  private int portAt(long index) {
    long remaining = index;
    for (Range range : ranges) {
      if (remaining < range.size()) {
        return (int) (range.first() + remaining);
      }
      remaining -= range.size();
    }
    throw new IndexOutOfBoundsException(index);
  }

  @Override
  public String toString() {
    return ranges.stream().map(Range::toString).collect(Collectors.joining(","));
  }
}
