package dev.pipe.proto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Names one user connection while it waits for its data connection: 128 random bits, so that nobody
 * can guess the id of someone else's connection and claim its bytes.
 */
public record ConnectionId(@JsonValue String hex) {
  private static final int BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  @JsonCreator
  public ConnectionId {
    Fields.requireHex("connection id", hex, BYTES);
  }

  /** A fresh random id. */
  public static ConnectionId random() {
    byte[] bytes = new byte[BYTES];
    RANDOM.nextBytes(bytes);
    return new ConnectionId(HexFormat.of().formatHex(bytes));
  }

  @Override
  public String toString() {
    return hex;
  }
}
