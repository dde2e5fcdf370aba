package dev.pipe.server;

import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Secret;
import java.util.List;

/**
 * Someone who may log in, and what they may claim: public ports, tunnel names (globs; empty means
 * any), the names of http and https tunnels, and where their tunnels' users may come from. The
 * shared {@code --token} is the user {@value #SHARED}; a server without credentials has only the
 * user {@value #ANONYMOUS}.
 */
record User(
    String name,
    Secret token,
    PortRanges allowedPorts,
    List<NamePattern> allowedNames,
    SourceFilter sources,
    HostPermissions hosts) {
  static final String SHARED = "shared-token";
  static final String ANONYMOUS = "anonymous";

  User {
    allowedNames = List.copyOf(allowedNames);
  }

  /**
   * True if {@code other} is this user with the same token and rights; a reload keeps the sessions
   * of such a user and ends the others.
   */
  boolean sameAs(User other) {
    return name.equals(other.name)
        && token.sameAs(other.token)
        && allowedPorts.toString().equals(other.allowedPorts.toString())
        && globs(allowedNames).equals(globs(other.allowedNames))
        && sources.equals(other.sources)
        && globs(hosts.subdomains()).equals(globs(other.hosts.subdomains()))
        && hosts.domains().equals(other.hosts.domains());
  }

  /** Patterns by their text: a compiled pattern does not compare equal to its twin. */
  private static List<String> globs(List<NamePattern> patterns) {
    return patterns.stream().map(NamePattern::toString).toList();
  }

  boolean mayUseName(String tunnel) {
    return allowedNames.isEmpty() || allowedNames.stream().anyMatch(p -> p.matches(tunnel));
  }

  /** Where a limit applies, for messages: " on this server" or " for user alice". */
  String where() {
    return switch (name) {
      case SHARED, ANONYMOUS -> " on this server";
      default -> " for user " + name;
    };
  }

  @Override
  public String toString() {
    return name;
  }
}
