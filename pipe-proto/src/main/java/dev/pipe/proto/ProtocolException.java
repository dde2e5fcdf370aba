package dev.pipe.proto;

import java.io.IOException;

/** The peer sent bytes that are not a valid pipe frame; the connection must be closed. */
public final class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
