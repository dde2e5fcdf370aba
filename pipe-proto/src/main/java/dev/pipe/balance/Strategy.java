package dev.pipe.balance;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a group of backends shares new connections: the members of a server-side group, or the local
 * targets of one client tunnel. The same names are used in config files, flags and on the wire.
 */
public enum Strategy {
  /** Each backend in turn. */
  @JsonProperty("round_robin")
  ROUND_ROBIN,
  /** In proportion to each backend's weight, interleaved (nginx's smooth weighted round robin). */
  @JsonProperty("weighted")
  WEIGHTED,
  /** The same user address to the same backend; a backend leaving remaps only its share. */
  @JsonProperty("ip_hash")
  IP_HASH,
  /** The backend with the fewest open connections (per unit of weight). */
  @JsonProperty("least_connections")
  LEAST_CONNECTIONS,
  /** A backend chosen at random, in proportion to its weight. */
  @JsonProperty("random")
  RANDOM;

  /** The name used in configuration files, flags and on the wire. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** A fresh picker that follows this strategy; it keeps the strategy's state (turns, weights). */
  public Picker newPicker() {
    return switch (this) {
      case ROUND_ROBIN -> new RoundRobin();
      case WEIGHTED -> new SmoothWeighted();
      case IP_HASH -> new ConsistentHash();
      case LEAST_CONNECTIONS -> new LeastConnections();
      case RANDOM -> new WeightedRandom();
    };
  }

  /** Parses a configuration value such as {@code round_robin}. */
  public static Strategy parse(String value) {
    for (Strategy strategy : values()) {
      if (strategy.wireName().equals(value)) {
        return strategy;
      }
    }
    throw new IllegalArgumentException(
        "unknown strategy '"
            + value
            + "'; use one of "
            + Arrays.stream(values()).map(Strategy::wireName).collect(Collectors.joining(", ")));
  }
}
