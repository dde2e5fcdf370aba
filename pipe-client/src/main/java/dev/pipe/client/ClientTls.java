package dev.pipe.client;

import dev.pipe.proto.Fingerprint;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the client checks the server: TLS on (the default) with an optional pinned fingerprint,
 * {@code strict} to refuse a first contact, and the state directory that holds known servers.
 */
public record ClientTls(
    boolean enabled, Optional<Fingerprint> pin, boolean strict, Path stateDir) {}
