package dev.pipe.proxy.http;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads heads and trailers strictly, within {@link HeadLimits}. What it accepts is written out
 * again in canonical form (see {@link RequestHead#bytes()}), so the next hop reads exactly what
 * this one read: no header that one side would see and the other would not.
 */
final class HeadParser {
  /** Blank lines tolerated before a request line (RFC 9112, section 2.2). */
  private static final int MAX_LEADING_BLANK_LINES = 4;

  private HeadParser() {}

  /** The start line; null at a clean end of stream before it. */
  static String startLine(HttpInput in, Budget budget) throws IOException {
    for (int blank = 0; blank <= MAX_LEADING_BLANK_LINES; blank++) {
      String line = in.readLine(budget.remaining());
      if (line == null) {
        return null;
      }
      budget.spend(line.length() + 2);
      if (!line.isEmpty()) {
        return line;
      }
    }
    throw new HttpException(400, "more than " + MAX_LEADING_BLANK_LINES + " blank lines");
  }

  /** Header fields up to and including the empty line that ends them. */
  static Headers fields(HttpInput in, Budget budget, HeadLimits limits) throws IOException {
    List<Headers.Field> fields = new ArrayList<>();
    while (true) {
      String line = in.readLine(budget.remaining());
      if (line == null) {
        throw new HttpException(400, "the connection ended inside a head");
      }
      budget.spend(line.length() + 2);
      if (line.isEmpty()) {
        return new Headers(fields);
      }
      if (fields.size() >= limits.maxLines()) {
        throw new HttpException(431, "more than " + limits.maxLines() + " header lines");
      }
      fields.add(field(line));
    }
  }

  private static Headers.Field field(String line) throws HttpException {
    char first = line.charAt(0);
    if (first == ' ' || first == '\t') {
      throw new HttpException(400, "folded header lines are not accepted (RFC 9112, 5.2)");
    }
    int colon = line.indexOf(':');
    if (colon <= 0) {
      throw new HttpException(400, "a header line has no name and colon");
    }
    String name = line.substring(0, colon);
    if (!isToken(name)) {
      throw new HttpException(400, "a header name has characters a name may not have");
    }
    String value = line.substring(colon + 1).strip();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new HttpException(400, "a header value holds a control character");
      }
    }
    return new Headers.Field(name, value);
  }

  /** RFC 9110 token: letters, digits and {@code !#$%&'*+-.^_`|~}. */
  static boolean isToken(String text) {
    if (text.isEmpty()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= TOKEN.length || !TOKEN[c]) {
        return false;
      }
    }
    return true;
  }

  /** Which ASCII characters a token may hold: looked up for every character of every header. */
  private static final boolean[] TOKEN = new boolean[128];

  static {
    for (char c = '0'; c <= '9'; c++) {
      TOKEN[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
      TOKEN[c - 'a' + 'A'] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TOKEN[c] = true;
    }
  }

  /** What is left of a head's byte limit. */
  static final class Budget {
    private final int maxBytes;
    private int remaining;

    Budget(int maxBytes) {
      this.maxBytes = maxBytes;
      this.remaining = maxBytes;
    }

    int remaining() {
      return Math.max(0, remaining);
    }

    void spend(int bytes) throws HttpException {
      remaining -= bytes;
      if (remaining < 0) {
        throw new HttpException(431, "the head is larger than " + maxBytes + " bytes");
      }
    }
  }
}
