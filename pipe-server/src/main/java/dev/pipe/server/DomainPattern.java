package dev.pipe.server;

import dev.pipe.proto.HostName;

/**
 * A custom domain, or a family of them, that an operator lets a user's tunnels claim: an exact name
 * such as {@code www.alice.dev}, or {@code *.alice.dev} for every name below {@code alice.dev} (but
 * not {@code alice.dev} itself). Nothing looser: {@code *alice.dev} would also match {@code
 * evilalice.dev}.
 */
record DomainPattern(String suffix, boolean wildcard) {
  static DomainPattern parse(String text) {
    if (text != null && text.startsWith("*.")) {
      return new DomainPattern(HostName.name(text.substring(2)), true);
    }
    if (text != null && text.contains("*")) {
      throw new IllegalArgumentException(
          HostName.quote(text) + " is not a domain pattern; write a name, or *. and a name");
    }
    return new DomainPattern(HostName.name(text), false);
  }

  boolean matches(String host) {
    return wildcard ? host.endsWith("." + suffix) : host.equals(suffix);
  }

  @Override
  public String toString() {
    return wildcard ? "*." + suffix : suffix;
  }
}
