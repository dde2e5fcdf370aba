package dev.pipe.server;

import dev.pipe.config.ConfigException;
import dev.pipe.config.ConfigProblems;
import dev.pipe.config.ConfigTable;
import dev.pipe.config.Durations;
import dev.pipe.proxy.Bandwidth;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The bounds on relay tunnels, with the defaults of a public relay (libp2p's Circuit Relay v2 and
 * our relay seed): a relay pays for every byte it carries and serves strangers, so it starts
 * stingy; docs/relay.md says how to raise each bound. Zero means unlimited for every one.
 *
 * @param maxReservations relay tunnels reserved at once, server-wide
 * @param maxCircuits circuits open or opening at once, server-wide
 * @param maxCircuitsPerPeer circuits of one peer: one visitor address, or one provider
 * @param reservationTtl how long a reservation lasts unless its provider refreshes it
 * @param maxCircuitDuration a circuit older than this is closed on both ends
 * @param maxCircuitBytesPerSecond each direction of a circuit is slowed to this rate
 */
public record RelayLimits(
    int maxReservations,
    int maxCircuits,
    int maxCircuitsPerPeer,
    Duration reservationTtl,
    Duration maxCircuitDuration,
    long maxCircuitBytesPerSecond) {

  public static final int DEFAULT_MAX_RESERVATIONS = 128;
  public static final int DEFAULT_MAX_CIRCUITS = 16;
  public static final int DEFAULT_MAX_CIRCUITS_PER_PEER = 4;
  public static final Duration DEFAULT_RESERVATION_TTL = Duration.ofHours(1);
  public static final Duration DEFAULT_MAX_CIRCUIT_DURATION = Duration.ofMinutes(2);
  public static final long DEFAULT_MAX_CIRCUIT_BYTES_PER_SECOND = 1_000_000;

  /** A shorter reservation would have its provider refreshing it all the time. */
  static final Duration MIN_RESERVATION_TTL = Duration.ofSeconds(1);

  static final Set<String> FILE_KEYS =
      Set.of(
          "max_reservations",
          "max_circuits",
          "max_circuits_per_peer",
          "reservation_ttl",
          "max_circuit_duration",
          "max_circuit_rate");

  /** True if a count at {@code current} may grow by one under {@code limit} (0: no limit). */
  static boolean allows(int limit, int current) {
    return limit == 0 || current < limit;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults first, then the file, then whatever the caller sets. */
  public static final class Builder {
    private int maxReservations = DEFAULT_MAX_RESERVATIONS;
    private int maxCircuits = DEFAULT_MAX_CIRCUITS;
    private int maxCircuitsPerPeer = DEFAULT_MAX_CIRCUITS_PER_PEER;
    private Duration reservationTtl = DEFAULT_RESERVATION_TTL;
    private Duration maxCircuitDuration = DEFAULT_MAX_CIRCUIT_DURATION;
    private long maxCircuitBytesPerSecond = DEFAULT_MAX_CIRCUIT_BYTES_PER_SECOND;

    private Builder() {}

    void file(ConfigTable table) {
      count(table, "max_reservations").ifPresent(this::maxReservations);
      count(table, "max_circuits").ifPresent(this::maxCircuits);
      count(table, "max_circuits_per_peer").ifPresent(this::maxCircuitsPerPeer);
      table.parsedText("reservation_ttl", RelayLimits::duration).ifPresent(this::reservationTtl);
      table
          .parsedText("max_circuit_duration", RelayLimits::duration)
          .ifPresent(this::maxCircuitDuration);
      table.parsedText("max_circuit_rate", RelayLimits::rate).ifPresent(this::maxCircuitRate);
    }

    private static Optional<Integer> count(ConfigTable table, String key) {
      return table
          .integer(key)
          .flatMap(
              value -> {
                if (value < 0 || value > Integer.MAX_VALUE) {
                  table.report(
                      table.error(key, "must be a whole number, 0 for no limit; got " + value));
                  return Optional.empty();
                }
                return Optional.of(value.intValue());
              });
    }

    public Builder maxReservations(int value) {
      maxReservations = value;
      return this;
    }

    public Builder maxCircuits(int value) {
      maxCircuits = value;
      return this;
    }

    public Builder maxCircuitsPerPeer(int value) {
      maxCircuitsPerPeer = value;
      return this;
    }

    public Builder reservationTtl(Duration value) {
      reservationTtl = value;
      return this;
    }

    public Builder maxCircuitDuration(Duration value) {
      maxCircuitDuration = value;
      return this;
    }

    /** Bytes per second for each direction of a circuit; 0 for no limit. */
    public Builder maxCircuitRate(long bytesPerSecond) {
      maxCircuitBytesPerSecond = bytesPerSecond;
      return this;
    }

    /**
     * The limits, or empty after recording in {@code problems} each value that is out of range
     * (flags can set what the file's own checks never see).
     *
     * @param file where the values came from, to place the problems; null for flags only
     */
    Optional<RelayLimits> build(ConfigProblems problems, ConfigTable file) {
      boolean fine =
          count(problems, file, "max_reservations", maxReservations)
              & count(problems, file, "max_circuits", maxCircuits)
              & count(problems, file, "max_circuits_per_peer", maxCircuitsPerPeer)
              & check(
                  problems,
                  file,
                  "max_circuit_rate",
                  maxCircuitBytesPerSecond >= 0,
                  "max_circuit_rate must be a rate like 1MB, or 0 for no limit")
              & check(
                  problems,
                  file,
                  "reservation_ttl",
                  reservationTtl.isZero() || reservationTtl.compareTo(MIN_RESERVATION_TTL) >= 0,
                  "reservation_ttl must be 0 (a reservation lasts as long as its provider's"
                      + " connection) or at least "
                      + MIN_RESERVATION_TTL.toSeconds()
                      + "s, got "
                      + Durations.format(reservationTtl))
              & check(
                  problems,
                  file,
                  "max_circuit_duration",
                  !maxCircuitDuration.isNegative(),
                  "max_circuit_duration must be 0 (no limit) or more");
      return fine
          ? Optional.of(
              new RelayLimits(
                  maxReservations,
                  maxCircuits,
                  maxCircuitsPerPeer,
                  reservationTtl,
                  maxCircuitDuration,
                  maxCircuitBytesPerSecond))
          : Optional.empty();
    }

    private static boolean count(ConfigProblems problems, ConfigTable file, String key, int value) {
      return check(
          problems,
          file,
          key,
          value >= 0,
          key + " is a count: 0 for no limit, or more; got " + value);
    }

    private static boolean check(
        ConfigProblems problems, ConfigTable file, String key, boolean fine, String message) {
      if (!fine) {
        problems.add(new ConfigException(ServerLimits.where(file, key) + message));
      }
      return fine;
    }
  }

  /** A duration such as {@code 2m}; {@code 0} alone is allowed too, for no limit. */
  public static Duration duration(String text) {
    return "0".equals(text == null ? null : text.strip()) ? Duration.ZERO : Durations.parse(text);
  }

  /** A rate such as {@code 1MB}; a bare number is bytes per second, and {@code 0} no limit. */
  public static long rate(String text) {
    String value = text == null ? "" : text.strip();
    if (value.matches("\\d{1,15}")) {
      return Long.parseLong(value);
    }
    return Bandwidth.parse(value).bytesPerSecond();
  }
}
