package dev.pipe.client;

import java.util.List;

/** What {@code pipe status} shows of a running client. */
public record ClientStatus(
    String server, boolean connected, String version, List<TunnelStatus> tunnels) {}
