package dev.pipe.cli;

/**
 * Sets up slf4j-simple before the first logger exists: log lines go to stderr with a timestamp, so
 * that stdout stays for the lines a user may want to copy (the tunnel's public address).
 */
final class Logging {
  private Logging() {}

  static void configure(boolean verbose) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "info");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", verbose ? "true" : "false");
    System.setProperty("org.slf4j.simpleLogger.showLogName", verbose ? "true" : "false");
    System.setProperty("org.slf4j.simpleLogger.showShortLogName", verbose ? "true" : "false");
    System.setProperty("org.slf4j.simpleLogger.levelInBrackets", "false");
  }
}
