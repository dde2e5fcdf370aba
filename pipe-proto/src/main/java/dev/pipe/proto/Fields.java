package dev.pipe.proto;

import java.net.InetAddress;
import java.net.InetSocketAddress;
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

  /**
   * A user's addresses as {@link Message.Exchange} and {@link Message.Assign} carry them: both
   * {@code IP:PORT}, or both null.
   */
  static void requireEndpointsOrNone(String source, String destination) {
    if ((source == null) != (destination == null)) {
      throw new IllegalArgumentException("source and destination go together: give both or none");
    }
    if (source != null) {
      endpoint("source", source);
      endpoint("destination", destination);
    }
  }

  /** {@link #endpoint}, or null for null. */
  static InetSocketAddress endpointOrNull(String field, String value) {
    return value == null ? null : endpoint(field, value);
  }

  /**
   * An address written {@code IP:PORT} or {@code [IPv6]:PORT}, as an address: literals only, never
   * a DNS lookup.
   */
  static InetSocketAddress endpoint(String field, String value) {
    int colon = value == null ? -1 : value.lastIndexOf(':');
    if (colon > 0 && value.length() <= 64) {
      String host = value.substring(0, colon);
      boolean bracketed = host.startsWith("[") && host.endsWith("]");
      if (bracketed || host.indexOf(':') < 0) {
        try {
          InetAddress address =
              InetAddress.ofLiteral(bracketed ? host.substring(1, host.length() - 1) : host);
          int port = Integer.parseInt(value.substring(colon + 1));
          if (port >= 0 && port <= 65_535) {
            return new InetSocketAddress(address, port);
          }
        } catch (IllegalArgumentException e) {
          // Not a literal or not a port: the message below says what is expected.
        }
      }
    }
    throw new IllegalArgumentException(
        field + " must be IP:PORT or [IPv6]:PORT, got " + describe(value));
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
