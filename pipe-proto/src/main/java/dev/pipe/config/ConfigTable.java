package dev.pipe.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * One table of a TOML config file, with typed getters whose errors name the file, the line and the
 * fix. Unknown keys are errors too: a misspelt key that is silently ignored is the worst kind of
 * configuration bug.
 *
 * <p>Loaded with {@link #load(Path)} or {@link #parse(String, String)}, a getter throws on the
 * first problem. Loaded with a {@link ConfigProblems}, it records the problem there and answers as
 * if the key were absent, so that one pass finds every problem of the file; the loader then calls
 * {@link ConfigProblems#throwIfAny()}. Code that reads keys is the same in both modes.
 */
public final class ConfigTable {
  private final String source;
  private final String section;
  private final TomlTable table;
  private final TomlPosition sectionStart;
  private final ConfigProblems problems;

  private ConfigTable(
      String source,
      String section,
      TomlTable table,
      TomlPosition sectionStart,
      ConfigProblems problems) {
    this.source = source;
    this.section = section;
    this.table = table;
    this.sectionStart = sectionStart;
    this.problems = problems;
  }

  /** Reads and parses a config file; every syntax error is reported with its line. */
  public static ConfigTable load(Path file) {
    return load(file, null);
  }

  /**
   * The same, recording each problem a getter finds in {@code problems} instead of throwing it.
   * Syntax errors still throw (all of them at once): a file that does not parse has no keys to
   * check.
   */
  public static ConfigTable load(Path file, ConfigProblems problems) {
    TomlParseResult result;
    try {
      result = Toml.parse(file);
    } catch (IOException e) {
      throw new ConfigException(
          "cannot read config file " + file + ": " + e.getMessage() + "; check the path");
    }
    return fromResult(result, file.toString(), problems);
  }

  /** Parses config text; {@code source} names it in error messages. */
  public static ConfigTable parse(String text, String source) {
    return fromResult(Toml.parse(text), source, null);
  }

  private static ConfigTable fromResult(
      TomlParseResult result, String source, ConfigProblems problems) {
    if (result.hasErrors()) {
      StringBuilder message = new StringBuilder();
      for (TomlParseError error : result.errors()) {
        if (!message.isEmpty()) {
          message.append('\n');
        }
        message
            .append(source)
            .append(':')
            .append(error.position().line())
            .append(": ")
            .append(error.getMessage().replaceFirst(" \\(line \\d+, column \\d+\\)$", ""));
      }
      throw new ConfigException(message.toString());
    }
    return new ConfigTable(source, "", result, null, problems);
  }

  /**
   * Reports a problem: throws it, or records it when this table collects problems. Builders use it
   * for checks of their own (a missing key, values that contradict each other).
   */
  public void report(ConfigException problem) {
    if (problems == null) {
      throw problem;
    }
    problems.add(problem);
  }

  /**
   * Where {@code key} is written, as {@code file:line}; for a key that is absent, where it belongs:
   * the start of this section, or line 1 of the file.
   */
  public String location(String key) {
    TomlPosition position = table.inputPositionOf(List.of(key));
    if (position == null) {
      position = sectionStart;
    }
    return source + ":" + (position == null ? 1 : position.line());
  }

  /** True if the key is written in this table, whatever its value. */
  public boolean has(String key) {
    return table.contains(List.of(key));
  }

  /** True if the key holds a list, such as {@code local = ["a", "b"]}. */
  public boolean isList(String key) {
    return table.isArray(List.of(key));
  }

  public Optional<String> string(String key) {
    return typed(key, table.isString(List.of(key)), "a string, in quotes", table::getString);
  }

  public Optional<Long> integer(String key) {
    return typed(key, table.isLong(List.of(key)), "a whole number", table::getLong);
  }

  public Optional<Boolean> bool(String key) {
    return typed(key, table.isBoolean(List.of(key)), "true or false", table::getBoolean);
  }

  /** An array of strings, such as {@code allow_sources = ["10.0.0.0/8", "192.168.0.0/16"]}. */
  public Optional<List<String>> strings(String key) {
    List<String> path = List.of(key);
    if (!table.contains(path)) {
      return Optional.empty();
    }
    TomlArray array = table.isArray(path) ? table.getArrayOrEmpty(path) : null;
    List<String> values = new ArrayList<>();
    for (int i = 0; array != null && i < array.size(); i++) {
      if (!array.isString(i)) {
        array = null;
        break;
      }
      values.add(array.getString(i));
    }
    if (array == null) {
      report(error(key, "must be a list of strings, like " + key + " = [\"a\", \"b\"]"));
      return Optional.empty();
    }
    return Optional.of(List.copyOf(values));
  }

  /** A list of strings, each run through {@code parser}, with the failing entry named. */
  public <T> Optional<List<T>> parsedList(String key, Function<String, T> parser) {
    return strings(key)
        .flatMap(
            values -> {
              List<T> parsed = new ArrayList<>();
              for (String value : values) {
                parseAt(key, value, parser).ifPresent(parsed::add);
              }
              return parsed.size() == values.size()
                  ? Optional.of(List.copyOf(parsed))
                  : Optional.empty();
            });
  }

  /**
   * A string run through {@code parser}; its {@link IllegalArgumentException} becomes a config
   * error.
   */
  public <T> Optional<T> parsed(String key, Function<String, T> parser) {
    return string(key).flatMap(value -> parseAt(key, value, parser));
  }

  /** The same, for a key that may hold either a string or a whole number, such as a port. */
  public <T> Optional<T> parsedText(String key, Function<String, T> parser) {
    if (table.isLong(List.of(key))) {
      return parseAt(key, String.valueOf(table.getLong(List.of(key))), parser);
    }
    return parsed(key, parser);
  }

  /** The tables of an array of tables ({@code [[key]]}), in file order. */
  public List<ConfigTable> tables(String key) {
    List<String> path = List.of(key);
    if (!table.contains(path)) {
      return List.of();
    }
    TomlArray array = table.isArray(path) ? table.getArrayOrEmpty(path) : null;
    if (array == null || !allTables(array)) {
      report(error(key, "must be a list of tables, written as [[" + key + "]] sections"));
      return List.of();
    }
    List<ConfigTable> tables = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      tables.add(
          new ConfigTable(
              source,
              "[[" + key + "]] #" + (i + 1),
              array.getTable(i),
              array.inputPositionOf(i),
              problems));
    }
    return List.copyOf(tables);
  }

  private static boolean allTables(TomlArray array) {
    for (int i = 0; i < array.size(); i++) {
      if (!array.isTable(i)) {
        return false;
      }
    }
    return true;
  }

  /** Reports each key that is not in {@code known}, suggesting the closest known one. */
  public void allowOnly(Set<String> known) {
    for (String key : new TreeSet<>(table.keySet())) {
      if (!known.contains(key)) {
        String hint =
            known.stream()
                .filter(candidate -> editDistance(candidate, key) <= 2)
                .min(Comparator.comparingInt(candidate -> editDistance(candidate, key)))
                .map(candidate -> "did you mean '" + candidate + "'? ")
                .orElse("");
        report(
            error(
                key,
                "unknown key; " + hint + "known keys: " + String.join(", ", new TreeSet<>(known))));
      }
    }
  }

  /** An error about {@code key}, located at its line. */
  public ConfigException error(String key, String message) {
    TomlPosition position = table.inputPositionOf(List.of(key));
    if (position == null) {
      position = sectionStart;
    }
    String where = source + (position == null ? "" : ":" + position.line());
    String in = section.isEmpty() ? "" : " in " + section;
    return new ConfigException(where + ": '" + key + "'" + in + " " + message);
  }

  /** An error about this whole table, such as a missing key. */
  public ConfigException error(String message) {
    String where = source + (sectionStart == null ? "" : ":" + sectionStart.line());
    return new ConfigException(where + ": " + (section.isEmpty() ? "" : section + ": ") + message);
  }

  private <T> Optional<T> typed(
      String key, boolean rightType, String expected, Function<List<String>, T> getter) {
    List<String> path = List.of(key);
    if (!table.contains(path)) {
      return Optional.empty();
    }
    if (!rightType) {
      report(error(key, "must be " + expected));
      return Optional.empty();
    }
    return Optional.of(getter.apply(path));
  }

  private <T> Optional<T> parseAt(String key, String value, Function<String, T> parser) {
    try {
      return Optional.of(parser.apply(value));
    } catch (IllegalArgumentException e) {
      report(error(key, "is invalid: " + e.getMessage()));
      return Optional.empty();
    }
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
