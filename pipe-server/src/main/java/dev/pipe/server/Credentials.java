package dev.pipe.server;

import dev.pipe.config.ConfigException;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Proof;
import dev.pipe.proto.Secret;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who may log in. A login proof names no user: the server finds the user whose token produces it,
 * checking each in constant time. That keeps client configuration to one secret, and a server with
 * tens of users pays tens of HMACs per login, which is microseconds.
 */
final class Credentials {
  private final List<User> users;
  private final boolean open;

  private Credentials(List<User> users, boolean open) {
    this.users = List.copyOf(users);
    this.open = open;
  }

  /**
   * @param sharedToken the {@code --token}, or no secret
   * @param users the {@code [[users]]} entries
   * @param allowNoAuth whether the operator asked to run without credentials
   * @param defaultPorts the ports of the shared token and of anonymous clients
   */
  static Credentials of(
      Secret sharedToken, List<User> users, boolean allowNoAuth, PortRanges defaultPorts) {
    List<User> all = new ArrayList<>();
    if (!sharedToken.isEmpty()) {
      all.add(new User(User.SHARED, sharedToken, defaultPorts, List.of(), SourceFilter.ANY));
    }
    all.addAll(users);
    if (all.isEmpty() && !allowNoAuth) {
      throw new ConfigException(
          "no token configured: anyone could open tunnels on this server; set one with --token,"
              + " the PIPE_TOKEN environment variable, 'token' or [[users]] in the config file"
              + " (or pass --allow-no-auth on a trusted network)");
    }
    if (!all.isEmpty() && allowNoAuth) {
      throw new ConfigException(
          "--allow-no-auth was given together with a token or [[users]]; drop one of them");
    }
    checkUnique(all);
    if (all.isEmpty()) {
      return new Credentials(
          List.of(
              new User(User.ANONYMOUS, Secret.none(), defaultPorts, List.of(), SourceFilter.ANY)),
          true);
    }
    return new Credentials(all, false);
  }

  private static void checkUnique(List<User> users) {
    Set<String> names = new HashSet<>();
    for (User user : users) {
      if (!names.add(user.name())) {
        throw new ConfigException(
            "two [[users]] are named '" + user.name() + "'; names must differ");
      }
    }
    for (int i = 0; i < users.size(); i++) {
      for (int j = i + 1; j < users.size(); j++) {
        if (users.get(i).token().sameAs(users.get(j).token())) {
          throw new ConfigException(
              "users '"
                  + users.get(i).name()
                  + "' and '"
                  + users.get(j).name()
                  + "' have the same token; give each user its own");
        }
      }
    }
  }

  /** True if {@code user} is still one of these, with the same token and rights. */
  boolean holds(User user) {
    return users.stream().anyMatch(user::sameAs);
  }

  /** True when the server runs without credentials (--allow-no-auth). */
  boolean open() {
    return open;
  }

  /** The user whose token answers {@code nonce} with {@code proof}, if any. */
  Optional<User> identify(String nonce, String proof) {
    if (open) {
      return Optional.of(users.getFirst());
    }
    for (User user : users) {
      if (Proof.verify(user.token(), nonce, proof)) {
        return Optional.of(user);
      }
    }
    return Optional.empty();
  }
}
