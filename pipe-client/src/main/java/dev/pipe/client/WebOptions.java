package dev.pipe.client;

import dev.pipe.proto.HostName;
import dev.pipe.proto.Message;
import java.util.List;
import java.util.Optional;

/**
 * What an http or https tunnel asks for besides its local service: a subdomain of the server's
 * domain (empty: any), custom domains, and for http the basic auth the server enforces and the Host
 * header its local service expects. Names are checked here, so a bad one is a configuration error
 * that says why, before anything is sent.
 */
public record WebOptions(
    String subdomain, List<String> domains, Optional<Message.HttpAuth> auth, String hostHeader) {
  /** No names asked for, no auth, no rewrite. */
  public static final WebOptions NONE = new WebOptions("", List.of(), Optional.empty(), "");

  public WebOptions {
    subdomain = subdomain.isEmpty() ? "" : HostName.label(subdomain);
    domains = domains.stream().map(HostName::name).distinct().toList();
    hostHeader = hostHeader.isEmpty() ? "" : HostName.name(hostHeader);
  }

  boolean isEmpty() {
    return equals(NONE);
  }
}
