package dev.pipe.proto;

import java.util.Locale;

/**
 * The DNS names that http and https tunnels are reached by. They end up in Host headers, TLS
 * certificates, log lines and URLs, so only plain ASCII passes: letters, digits and {@code -} in
 * labels of 1 to 63 characters, checked character by character before anything is lowercased (so
 * that no Unicode case mapping, such as the Kelvin sign becoming {@code k}, can turn a look-alike
 * into a valid name). Names are stored in lowercase.
 */
public final class HostName {
  /** Longest label, by RFC 1035. */
  public static final int MAX_LABEL_CHARS = 63;

  /** Longest name, by RFC 1035 (253 characters without the root dot). */
  public static final int MAX_NAME_CHARS = 253;

  private static final int QUOTE_CHARS = 64;
  private static final String LABEL_RULE =
      "use 1 to 63 letters a-z, digits and '-', not starting or ending with '-'";

  private HostName() {}

  /**
   * A subdomain: one label, lowercased. Labels with {@code --} in their third and fourth place
   * ({@code xn--}, internationalized names in punycode) are refused too: anyone may ask for a
   * subdomain, and punycode is how look-alikes of other names are written.
   */
  public static String label(String text) {
    String problem = labelProblem(text, false);
    if (problem != null) {
      throw new IllegalArgumentException("subdomain " + problem);
    }
    return text.toLowerCase(Locale.ROOT);
  }

  /**
   * A full host name such as {@code www.alice.dev}: labels separated by single dots, at most 253
   * characters, lowercased. Punycode labels are allowed here: a custom domain needs the operator's
   * permission.
   */
  public static String name(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("host name is empty; write one like www.example.com");
    }
    if (text.length() > MAX_NAME_CHARS) {
      throw new IllegalArgumentException(
          "host name of "
              + text.length()
              + " characters is too long: at most "
              + MAX_NAME_CHARS
              + " ("
              + quote(text)
              + ")");
    }
    for (String label : text.split("\\.", -1)) {
      String problem = labelProblem(label, true);
      if (problem != null) {
        throw new IllegalArgumentException(
            "host name " + quote(text) + " is not a DNS name: label " + problem);
      }
    }
    return text.toLowerCase(Locale.ROOT);
  }

  /** True if {@code text} is a valid {@link #name} already in lowercase. */
  public static boolean isCanonical(String text) {
    try {
      return name(text).equals(text);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * {@code text} for an error message or a log line: quoted, cut to 64 characters, and with every
   * character outside printable ASCII written as {@code \}{@code uXXXX}, so that hostile input can
   * neither forge log lines nor hide a look-alike.
   */
  public static String quote(String text) {
    if (text == null) {
      return "(none)";
    }
    StringBuilder quoted = new StringBuilder("'");
    int end = Math.min(text.length(), QUOTE_CHARS);
    for (int i = 0; i < end; i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        quoted.append(c);
      } else {
        quoted.append(String.format("\\u%04x", (int) c));
      }
    }
    if (text.length() > QUOTE_CHARS) {
      quoted.append("...");
    }
    return quoted.append('\'').toString();
  }

  /** Why {@code label} is not a valid label, or null if it is. */
  private static String labelProblem(String label, boolean punycodeAllowed) {
    if (label == null || label.isEmpty()) {
      return "is empty; " + LABEL_RULE;
    }
    if (label.length() > MAX_LABEL_CHARS) {
      return "of "
          + label.length()
          + " characters is too long: at most "
          + MAX_LABEL_CHARS
          + " ("
          + quote(label)
          + ")";
    }
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      boolean ascii = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!ascii && c != '-') {
        String why =
            c == '.'
                ? "'.' is not allowed: a subdomain is one label (dots only in custom domains)"
                : c < 0x80
                    ? quote(String.valueOf(c)) + " is not allowed"
                    : quote(String.valueOf(c))
                        + " is not allowed (only ASCII: look-alike letters of other scripts are"
                        + " refused)";
        return quote(label) + " is invalid: " + why + "; " + LABEL_RULE;
      }
    }
    if (label.startsWith("-") || label.endsWith("-")) {
      return quote(label) + " is invalid: it starts or ends with '-'; " + LABEL_RULE;
    }
    if (!punycodeAllowed && label.length() >= 4 && label.startsWith("--", 2)) {
      return quote(label)
          + " is invalid: '--' in the third and fourth place is reserved for punycode"
          + " (internationalized names), which can imitate other names";
    }
    return null;
  }
}
