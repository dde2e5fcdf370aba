package dev.pipe.client;

import dev.pipe.balance.Backend;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import java.util.Objects;

/**
 * Membership of a load-balanced group on the server: tunnels of one or several clients with the
 * same group name and key share one public port.
 *
 * @param key the group's secret; a member with another key is refused
 * @param weight this member's share under the {@code weighted} strategy (1 to {@value
 *     Backend#MAX_WEIGHT})
 */
public record GroupSpec(String name, Secret key, int weight) {
  public GroupSpec {
    TunnelName.check(name);
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException(
          "group " + name + " has no group_key; give every member the same secret group_key");
    }
    if (weight < 1 || weight > Backend.MAX_WEIGHT) {
      throw new IllegalArgumentException(
          "weight " + weight + " is outside 1-" + Backend.MAX_WEIGHT);
    }
  }

  /** Keys compare in constant time; a reload that keeps the key keeps the membership. */
  @Override
  public boolean equals(Object other) {
    return other instanceof GroupSpec that
        && name.equals(that.name)
        && weight == that.weight
        && key.sameAs(that.key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, weight);
  }
}
