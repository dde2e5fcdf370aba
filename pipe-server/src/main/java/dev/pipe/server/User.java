package dev.pipe.server;

import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Secret;
import java.util.List;

/**
 * Someone who may log in, and what they may claim: public ports, tunnel names (globs; empty means
 * any) and where their tunnels' users may come from. The shared {@code --token} is the user {@value
 * #SHARED}; a server without credentials has only the user {@value #ANONYMOUS}.
 */
record User(
    String name,
    Secret token,
    PortRanges allowedPorts,
    List<NamePattern> allowedNames,
    SourceFilter sources) {
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
        && allowedNames.stream()
            .map(NamePattern::toString)
            .toList()
            .equals(other.allowedNames.stream().map(NamePattern::toString).toList())
        && sources.equals(other.sources);
  }

  boolean mayUseName(String tunnel) {
    return allowedNames.isEmpty() || allowedNames.stream().anyMatch(p -> p.matches(tunnel));
  }

  @Override
  public String toString() {
    return name;
  }
}
