package dev.pipe.client;

import dev.pipe.proto.Secret;

/**
 * The rule for a relay tunnel's secret. The relay sees what is derived from it (the access key, the
 * handshake), so whoever runs the relay can test guesses at it offline; the derivation makes each
 * guess cost most of a second, and length makes guessing hopeless.
 */
final class RelaySecrets {
  static final int MIN_CHARACTERS = 12;

  private RelaySecrets() {}

  /** Throws with the advice a user needs if {@code secret} is too short to protect a tunnel. */
  static Secret check(String owner, Secret secret) {
    if (secret.isEmpty()) {
      throw new IllegalArgumentException(
          owner
              + " needs a secret, shared by the provider and its visitors (--secret, or 'secret'"
              + " in the config): make one with head -c 18 /dev/urandom | base64");
    }
    if (secret.length() < MIN_CHARACTERS) {
      throw new IllegalArgumentException(
          owner
              + " has a secret of "
              + secret.length()
              + " characters; use at least "
              + MIN_CHARACTERS
              + ", random (head -c 18 /dev/urandom | base64): whoever runs the relay could"
              + " guess a short one");
    }
    return secret;
  }
}
