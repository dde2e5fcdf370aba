package dev.pipe.relay;

import java.io.IOException;

/**
 * Bytes of a circuit failed their authentication: the other end holds another secret, or something
 * between the two ends (the relay, the network) altered them. The circuit must end.
 */
public final class CircuitIntegrityException extends IOException {
  private static final long serialVersionUID = 1L;

  CircuitIntegrityException(String message) {
    super("integrity error: " + message);
  }

  CircuitIntegrityException(String message, Throwable cause) {
    super("integrity error: " + message, cause);
  }
}
