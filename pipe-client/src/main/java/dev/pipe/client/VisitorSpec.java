package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelName;
import java.util.Objects;

/**
 * A visitor as the user configured it: a local address to listen on, and the relay tunnel (its name
 * and secret) that each connection to it reaches through the server.
 *
 * @param name the relay tunnel to visit, as its provider named it
 * @param bind where local programs connect, like 127.0.0.1:2222 (port 0 picks a free one)
 */
public record VisitorSpec(String name, Secret secret, HostPort bind) {
  public VisitorSpec {
    TunnelName.check(name);
    RelaySecrets.check("visitor of " + name, secret);
    Objects.requireNonNull(bind, "bind");
  }

  /** Secrets compare in constant time; a reload that keeps the secret keeps the visitor. */
  @Override
  public boolean equals(Object other) {
    return other instanceof VisitorSpec that
        && name.equals(that.name)
        && bind.equals(that.bind)
        && secret.sameAs(that.secret);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, bind);
  }
}
