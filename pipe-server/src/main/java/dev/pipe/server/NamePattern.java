package dev.pipe.server;

import java.util.regex.Pattern;

/** A tunnel name or a glob over names, such as {@code alice-*}; {@code *} matches any run. */
record NamePattern(String glob, Pattern regex) {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.*-]{1,63}");

  static NamePattern parse(String glob) {
    if (glob == null || !VALID.matcher(glob).matches()) {
      throw new IllegalArgumentException(
          "'"
              + glob
              + "' is not a name pattern; use 1 to 63 letters, digits, '.', '_', '-' and '*'");
    }
    StringBuilder regex = new StringBuilder();
    String[] literals = glob.split("\\*", -1);
    for (int i = 0; i < literals.length; i++) {
      if (i > 0) {
        regex.append(".*");
      }
      if (!literals[i].isEmpty()) {
        regex.append(Pattern.quote(literals[i]));
      }
    }
    return new NamePattern(glob, Pattern.compile(regex.toString()));
  }

  boolean matches(String name) {
    return regex.matcher(name).matches();
  }

  @Override
  public String toString() {
    return glob;
  }
}
