package dev.pipe.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Every problem found in one configuration, so that a user fixes a file in one pass instead of one
 * error per run. A {@link ConfigTable} loaded with a {@code ConfigProblems} records what is wrong
 * here and carries on; whoever loaded it calls {@link #throwIfAny()} when done.
 */
public final class ConfigProblems {
  private final List<String> problems = new ArrayList<>();

  public void add(ConfigException problem) {
    for (String line : problem.problems()) {
      if (!problems.contains(line)) {
        problems.add(line);
      }
    }
  }

  /**
   * Runs a check of the whole configuration (values that contradict each other, a key that is
   * required): its value, or empty after recording its problem, placed at {@code key} in {@code
   * file} when the configuration came from one.
   *
   * @param file the file's root table; null when only flags were given
   */
  public <T> Optional<T> attempt(ConfigTable file, String key, Supplier<T> check) {
    try {
      return Optional.of(check.get());
    } catch (ConfigException e) {
      for (String line : e.problems()) {
        add(new ConfigException(file == null ? line : file.location(key) + ": " + line));
      }
      return Optional.empty();
    }
  }

  public boolean isEmpty() {
    return problems.isEmpty();
  }

  /** Throws one {@link ConfigException} that lists every problem, one per line. */
  public void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
  }
}
