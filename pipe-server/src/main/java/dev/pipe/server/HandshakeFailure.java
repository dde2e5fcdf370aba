package dev.pipe.server;

import java.util.Locale;

/**
 * Why a connection to the control port did not log in (or, for a visitor, reach its relay tunnel);
 * a metric label, so a closed set.
 */
public enum HandshakeFailure {
  /** The proof did not match the server's token. */
  BAD_TOKEN,
  /** A visitor's proof did not match the secret of the relay tunnel it asked for. */
  BAD_SECRET,
  /** The client speaks another protocol version. */
  VERSION_MISMATCH,
  /** The first frame was not a login, or not a valid frame at all. */
  PROTOCOL_ERROR,
  /** The TLS handshake failed (a client that does not trust the server, or not TLS at all). */
  TLS,
  /** No login arrived within the handshake timeout. */
  TIMEOUT,
  /** A data connection presented an id that is unknown, already used or expired. */
  UNKNOWN_CONNECTION;

  /** The label value, like {@code bad_token}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
