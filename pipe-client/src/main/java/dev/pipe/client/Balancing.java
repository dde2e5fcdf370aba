package dev.pipe.client;

import dev.pipe.balance.Strategy;
import dev.pipe.config.HostPort;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a tunnel spreads its load: over further local targets besides its first, and as a member of a
 * group on the server, both with one strategy; and how its targets are health-checked.
 *
 * @param moreTargets local targets after the tunnel's {@code local}, balanced with it
 */
public record Balancing(
    List<HostPort> moreTargets,
    Strategy strategy,
    Optional<GroupSpec> group,
    Optional<HealthCheck> healthCheck) {

  /** A tunnel alone on its port, with one local target and no health check. */
  public static final Balancing NONE =
      new Balancing(List.of(), Strategy.ROUND_ROBIN, Optional.empty(), Optional.empty());

  /** Local targets of one tunnel, at most; each one is checked and balanced on its own. */
  public static final int MAX_TARGETS = 64;

  public Balancing {
    moreTargets = List.copyOf(moreTargets);
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(healthCheck, "healthCheck");
    if (moreTargets.size() + 1 > MAX_TARGETS) {
      throw new IllegalArgumentException("at most " + MAX_TARGETS + " local targets per tunnel");
    }
  }
}
