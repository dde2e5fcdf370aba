package dev.pipe.server;

import java.security.SecureRandom;
import java.util.List;

/**
 * Subdomains for tunnels that asked for none, or for one that was taken: easy to read out and type,
 * like {@code calm-otter-4821}, and drawn from about nine million, so that a tunnel's URL is not
 * guessed by trying the neighbours of another.
 */
final class ReadableNames {
  private static final List<String> ADJECTIVES =
      List.of(
          "amber", "bold", "brave", "bright", "calm", "clever", "cool", "crisp", "eager", "fair",
          "fast", "gentle", "glad", "golden", "grand", "happy", "jolly", "keen", "kind", "lively",
          "lucky", "merry", "mild", "neat", "proud", "quick", "quiet", "rapid", "sharp", "smart",
          "sunny", "swift");
  private static final List<String> NOUNS =
      List.of(
          "badger", "bison", "crane", "dingo", "eagle", "falcon", "ferret", "gecko", "heron",
          "ibex", "koala", "lemur", "lynx", "marten", "moose", "newt", "otter", "owl", "panda",
          "puffin", "quail", "raven", "robin", "seal", "sparrow", "stoat", "swan", "tapir", "tiger",
          "trout", "walrus", "wombat");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ReadableNames() {}

  static String next() {
    return ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size()))
        + "-"
        + NOUNS.get(RANDOM.nextInt(NOUNS.size()))
        + "-"
        + (1_000 + RANDOM.nextInt(9_000));
  }
}
