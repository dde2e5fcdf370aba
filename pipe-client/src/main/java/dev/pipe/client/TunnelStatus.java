package dev.pipe.client;

/**
 * One tunnel in {@code pipe status}: its configuration, its state and its traffic. "In" counts
 * bytes from the tunnel's users to the local service, "out" the bytes back to them.
 *
 * @param remotePort the public port while the tunnel is or was open, else 0
 * @param detail why the tunnel is in its state (the rejection or close reason), or empty
 */
public record TunnelStatus(
    String name,
    String type,
    String local,
    int remotePort,
    String state,
    String detail,
    int connections,
    long connectionsTotal,
    long bytesIn,
    long bytesOut) {}
