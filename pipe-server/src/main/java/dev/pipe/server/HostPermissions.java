package dev.pipe.server;

import java.util.List;

/**
 * The names a user's http and https tunnels may claim: subdomains of the server's domain matching
 * one of {@code subdomains} (globs; empty means any), and custom domains matching one of {@code
 * domains} (empty means none: a custom domain always needs the operator's word).
 */
record HostPermissions(List<NamePattern> subdomains, List<DomainPattern> domains) {
  /** Any subdomain, no custom domain. */
  static final HostPermissions DEFAULT = new HostPermissions(List.of(), List.of());

  HostPermissions {
    subdomains = List.copyOf(subdomains);
    domains = List.copyOf(domains);
  }

  boolean maySubdomain(String subdomain) {
    return subdomains.isEmpty() || subdomains.stream().anyMatch(p -> p.matches(subdomain));
  }

  boolean mayDomain(String host) {
    return domains.stream().anyMatch(pattern -> pattern.matches(host));
  }

  /** True if {@code host} is one of the exact names (not a wildcard) this user may claim. */
  boolean namesExactly(String host) {
    return domains.stream().anyMatch(pattern -> !pattern.wildcard() && pattern.matches(host));
  }
}
