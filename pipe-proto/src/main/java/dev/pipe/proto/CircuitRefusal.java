package dev.pipe.proto;

/** Why the server refused a visitor's circuit; {@link Message.CircuitRefused} says it in words. */
public enum CircuitRefusal {
  /** No provider holds a reservation of that name here: it is not connected to this server. */
  NO_RESERVATION,
  /** The provider's reservation ran out: it did not refresh it within the reservation's TTL. */
  RESERVATION_EXPIRED,
  /** The visitor's proof does not match the tunnel's secret. */
  WRONG_SECRET,
  /** A relay limit is reached; the message names it. */
  LIMIT,
  /** The provider could not open the circuit (its local service is down, or it did not answer). */
  PROVIDER_FAILED,
  /** The visitor has no control session on this server under the same credentials. */
  NOT_LOGGED_IN
}
