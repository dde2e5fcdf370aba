package dev.pipe.server;

import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Traffic;
import java.time.Instant;
import java.util.List;

/**
 * An open tunnel as an operator sees it, with its live {@link Traffic}.
 *
 * @param id unique on this server and never reused while it runs; names the tunnel in the admin API
 *     (a name is unique only per client, and a port is reused once released)
 * @param name the name the client gave it
 * @param port its public port; for http and https tunnels, the port they share; 0 for a relay
 *     tunnel, which has none
 * @param hosts the names an http or https tunnel is reached by, its subdomain first; empty for a
 *     tcp, udp or relay tunnel
 */
public record TunnelInfo(
    String id,
    String name,
    TunnelType type,
    int port,
    List<String> hosts,
    ClientInfo client,
    Instant since,
    Traffic traffic) {
  public TunnelInfo {
    hosts = List.copyOf(hosts);
  }
}
