package dev.pipe.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * At most {@code max} connections held at once, and at most {@code maxPerSource} from one address,
 * so that one noisy address cannot take every slot. Each bound reports as its own {@link
 * ServerLimit}.
 */
final class SourceSlots {
  private final Semaphore total;
  private final int max;
  private final ServerLimit maxLimit;
  private final int maxPerSource;
  private final ServerLimit perSourceLimit;
  private final ConcurrentHashMap<InetAddress, Integer> perSource = new ConcurrentHashMap<>();

  SourceSlots(int max, ServerLimit maxLimit, int maxPerSource, ServerLimit perSourceLimit) {
    this.total = new Semaphore(max);
    this.max = max;
    this.maxLimit = maxLimit;
    this.maxPerSource = maxPerSource;
    this.perSourceLimit = perSourceLimit;
  }

  /**
   * Admits or refuses a connection from {@code source}; {@code anyNumberFromSource} lifts the
   * per-source bound for an address that speaks for many users (a trusted proxy).
   */
  Admission enter(InetAddress source, boolean anyNumberFromSource) {
    if (!total.tryAcquire()) {
      return new Admission.Refused(maxLimit, max);
    }
    if (anyNumberFromSource) {
      return new Admission.Slot(total::release);
    }
    if (perSource.merge(source, 1, Integer::sum) > maxPerSource) {
      leave(source);
      return new Admission.Refused(perSourceLimit, maxPerSource);
    }
    return new Admission.Slot(() -> leave(source));
  }

  private void leave(InetAddress source) {
    perSource.computeIfPresent(source, (address, count) -> count == 1 ? null : count - 1);
    total.release();
  }
}
