package dev.pipe.server;

import dev.pipe.config.Cidr;
import dev.pipe.config.ConfigException;
import dev.pipe.config.SourceFilter;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Where http and https tunnels are served. Without a domain and an HTTP port there are no http
 * tunnels; without an HTTPS port no https tunnels.
 *
 * @param domain the server's domain: a tunnel's subdomain is a name below it
 * @param bindAddress the address of the HTTP port: 127.0.0.1 when a TLS proxy (Caddy) in front
 *     forwards to it, so that nobody reaches it unencrypted from outside
 * @param port the HTTP port; 0 picks a free one
 * @param httpsPort the HTTPS port, where TLS connections are routed by SNI without being decrypted
 * @param publicHttps users reach http tunnels through HTTPS (a TLS proxy in front on 443): the URLs
 *     given to clients start with {@code https://}
 * @param askPort the loopback port where Caddy asks whether a name may get a certificate
 * @param trustedProxies peers whose {@code X-Forwarded-*} headers are believed (the TLS proxy in
 *     front); anyone else's are replaced
 */
public record HttpSettings(
    Optional<String> domain,
    String bindAddress,
    Optional<Integer> port,
    Optional<Integer> httpsPort,
    boolean publicHttps,
    Optional<Integer> askPort,
    List<Cidr> trustedProxies) {

  /** The HTTP port when a domain is given and no port: where browsers go without one. */
  public static final int DEFAULT_PORT = 80;

  /** Where Caddy finds the ask endpoint in the shipped Caddyfile. */
  public static final int DEFAULT_ASK_PORT = 8913;

  /** Loopback: a TLS proxy on the same machine. */
  public static final List<Cidr> DEFAULT_TRUSTED_PROXIES =
      List.of(Cidr.parse("127.0.0.1/8"), Cidr.parse("::1"));

  public HttpSettings {
    trustedProxies = List.copyOf(trustedProxies);
    if (trustedProxies.size() > SourceFilter.MAX_BLOCKS) {
      throw new ConfigException(
          "at most " + SourceFilter.MAX_BLOCKS + " address blocks in trusted_proxies");
    }
    for (Optional<Integer> value : List.of(port, httpsPort, askPort)) {
      if (value.isPresent() && (value.get() < 0 || value.get() > 65_535)) {
        throw new ConfigException("port " + value.get() + " is outside 0-65535");
      }
    }
  }

  /** True when peers at {@code address} speak for other users (see {@code trusted_proxies}). */
  boolean trusts(InetAddress address) {
    return trustedProxies.stream().anyMatch(block -> block.contains(address));
  }
}
