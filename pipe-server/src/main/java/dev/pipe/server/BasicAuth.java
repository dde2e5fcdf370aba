package dev.pipe.server;

import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The HTTP basic auth an http tunnel asked the server to enforce. Credentials are compared as
 * SHA-256 digests in constant time, so that neither their content nor their length shows in the
 * time an answer takes, and they are never printed.
 */
final class BasicAuth {
  private final Secret expected;

  BasicAuth(Message.HttpAuth auth) {
    this.expected = Secret.of(auth.user() + ":" + auth.password());
  }

  /** True if an {@code Authorization} header carries these credentials. */
  boolean admits(String authorization) {
    if (authorization == null) {
      return false;
    }
    int space = authorization.indexOf(' ');
    if (space < 0 || !authorization.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
      return false;
    }
    String given;
    try {
      given =
          new String(
              Base64.getDecoder().decode(authorization.substring(space + 1).strip()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return expected.matches(given);
  }

  @Override
  public String toString() {
    return "BasicAuth[****]";
  }
}
