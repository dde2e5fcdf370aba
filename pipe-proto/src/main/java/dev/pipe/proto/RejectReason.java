package dev.pipe.proto;

/** Why the server refused a login or a data connection. */
public enum RejectReason {
  /** The proof did not match: client and server hold different tokens. */
  BAD_TOKEN(true),
  /** Client and server speak different protocol versions. */
  VERSION_MISMATCH(true),
  /** A data connection presented an id that is unknown, already used or expired. */
  UNKNOWN_CONNECTION(false),
  /** The server is at one of its limits; trying again later may work. */
  BUSY(false),
  /** The server is shutting down. */
  SHUTTING_DOWN(false),
  /** The client sent a frame the server did not expect at this point. */
  PROTOCOL_ERROR(true);

  private final boolean fatal;

  RejectReason(boolean fatal) {
    this.fatal = fatal;
  }

  /** True when retrying cannot help: the user must change the configuration or the software. */
  public boolean fatal() {
    return fatal;
  }
}
