package dev.pipe.proto;

import java.util.regex.Pattern;

/** Tunnel names appear in logs, URLs and metrics, so they are short and plain. */
public final class TunnelName {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

  private TunnelName() {}

  /** Returns the name if it is valid, else throws with what a valid name looks like. */
  public static String check(String name) {
    if (name == null || !VALID.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid tunnel name "
              + (name == null ? "(none)" : "'" + name + "'")
              + ": use 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }
}
