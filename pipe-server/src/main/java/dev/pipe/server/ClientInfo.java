package dev.pipe.server;

import java.time.Instant;
import java.util.function.IntSupplier;

/**
 * A logged-in client as an operator sees it.
 *
 * @param id the random id the client chose for its process (not a secret: the token is)
 * @param address where its control connection comes from, {@code host:port}
 * @param user who it logged in as: a {@code [[users]]} name, {@code shared-token} or {@code
 *     anonymous}
 * @param version the pipe version it runs
 * @param since when it logged in
 * @param pooled its idle pooled data connections, now
 */
public record ClientInfo(
    String id, String address, String user, String version, Instant since, IntSupplier pooled) {}
