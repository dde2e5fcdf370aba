package dev.pipe.proto;

import java.net.InetAddress;
import java.util.HexFormat;

/** Checks shared by the compact constructors of {@link Message}'s records. */
final class Fields {
  /** Reasons and messages are for humans; anything longer than this is cut, not rejected. */
  static final int MAX_TEXT_CHARS = 1_000;

  private Fields() {}

  static void requireText(String field, String value, int maxChars) {
    if (value == null || value.isEmpty() || value.length() > maxChars) {
      throw new IllegalArgumentException(
          field + " must be 1 to " + maxChars + " characters, got " + describe(value));
    }
  }

  static void requireHex(String field, String value, int bytes) {
    if (value == null || value.length() != bytes * 2 || !isLowerHex(value)) {
      throw new IllegalArgumentException(
          field + " must be " + bytes * 2 + " lowercase hex digits, got " + describe(value));
    }
  }

  static void requireRange(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be between " + min + " and " + max + ", got " + value);
    }
  }

  /** Null, or an IP address literal (never a host name: nothing here resolves names). */
  static void requireAddressOrNull(String field, String value) {
    if (value == null) {
      return;
    }
    try {
      InetAddress.ofLiteral(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          field + " must be an IP address, got " + value.length() + " characters");
    }
  }

  static String clip(String field, String value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is missing");
    }
    return value.length() <= MAX_TEXT_CHARS ? value : value.substring(0, MAX_TEXT_CHARS) + "...";
  }

  private static boolean isLowerHex(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!HexFormat.isHexDigit(c) || Character.isUpperCase(c)) {
        return false;
      }
    }
    return true;
  }

  private static String describe(String value) {
    return value == null ? "nothing" : value.length() + " characters";
  }
}
