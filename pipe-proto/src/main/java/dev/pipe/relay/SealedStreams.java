package dev.pipe.relay;

/**
 * Both directions of a circuit after its handshake: what to read from and write to the other end.
 */
public record SealedStreams(SealedInputStream in, SealedOutputStream out) {}
