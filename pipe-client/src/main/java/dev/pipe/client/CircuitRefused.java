package dev.pipe.client;

/** The server refused a visitor's circuit; the message is the server's, for the user. */
final class CircuitRefused extends Exception {
  private static final long serialVersionUID = 1L;

  CircuitRefused(String message) {
    super(message);
  }
}
