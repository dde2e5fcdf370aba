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
