package dev.pipe.admin;

import dev.pipe.server.TunnelInfo;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current rate of each tunnel, in bytes per second each way: the bytes moved between the last
 * two samples, taken once a second. Sampling on a clock rather than per request keeps the rate the
 * same for every viewer, however many dashboards are open.
 */
final class Rates {
  /** Bytes per second each way; zero until a tunnel has two samples. */
  record Rate(double in, double out) {
    static final Rate NONE = new Rate(0, 0);
  }

  private record Sample(long nanos, long bytesIn, long bytesOut, Rate rate) {}

  private final Map<String, Sample> samples = new ConcurrentHashMap<>();

  /** Takes a sample of every open tunnel and forgets the tunnels that closed. */
  void sample(Collection<TunnelInfo> tunnels, long nanos) {
    Set<String> seen = new HashSet<>();
    for (TunnelInfo tunnel : tunnels) {
      seen.add(tunnel.id());
      long in = tunnel.traffic().bytesIn();
      long out = tunnel.traffic().bytesOut();
      samples.compute(
          tunnel.id(),
          (id, previous) -> {
            if (previous == null || nanos <= previous.nanos()) {
              return new Sample(nanos, in, out, Rate.NONE);
            }
            double seconds = (nanos - previous.nanos()) / 1e9;
            Rate rate =
                new Rate(
                    (in - previous.bytesIn()) / seconds, (out - previous.bytesOut()) / seconds);
            return new Sample(nanos, in, out, rate);
          });
    }
    samples.keySet().retainAll(seen);
  }

  Rate of(String tunnelId) {
    Sample sample = samples.get(tunnelId);
    return sample == null ? Rate.NONE : sample.rate();
  }
}
