package dev.pipe.cli;

import dev.pipe.proto.Secret;
import java.util.Optional;

/** The token from the command line or else the PIPE_TOKEN environment variable. */
final class TokenSource {
  static final String ENVIRONMENT_VARIABLE = "PIPE_TOKEN";

  private TokenSource() {}

  /** The flag wins over the environment; both win over the config file. */
  static Optional<Secret> fromFlagOrEnvironment(String flag) {
    if (flag != null) {
      return Optional.of(Secret.of(flag));
    }
    String fromEnvironment = System.getenv(ENVIRONMENT_VARIABLE);
    return fromEnvironment == null || fromEnvironment.isEmpty()
        ? Optional.empty()
        : Optional.of(Secret.of(fromEnvironment));
  }
}
