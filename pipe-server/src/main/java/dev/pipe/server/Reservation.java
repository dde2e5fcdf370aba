package dev.pipe.server;

import dev.pipe.config.Durations;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A relay tunnel reserved by its provider: no public port, only the access key that visitors'
 * proofs are checked with. Visitors' circuits wait for the provider's data connection in {@link
 * PendingConnections} ({@link WaitingCircuit}). It lasts while its provider stays connected, and
 * expires after its TTL unless the provider refreshes it (a provider that is connected but silent
 * about its tunnel is broken).
 */
final class Reservation implements OpenTunnel {
  private final ControlSession owner;
  private final TunnelInfo info;
  private final String accessKey;
  private final Duration ttl;
  private final SplicedSockets spliced = new SplicedSockets();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long expiresAtNanos;

  Reservation(ControlSession owner, TunnelInfo info, String accessKey, Duration ttl) {
    this.owner = owner;
    this.info = info;
    this.accessKey = accessKey;
    this.ttl = ttl;
    this.expiresAtNanos = System.nanoTime() + ttl.toNanos();
  }

  @Override
  public ControlSession owner() {
    return owner;
  }

  @Override
  public TunnelInfo info() {
    return info;
  }

  String accessKey() {
    return accessKey;
  }

  Duration ttl() {
    return ttl;
  }

  /** How the TTL reads in messages: {@code 1h}, or that it lasts as long as the provider. */
  String describeTtl() {
    return ttl.isZero()
        ? "none (a reservation lasts while its provider stays connected)"
        : Durations.format(ttl);
  }

  /** Starts the TTL again; false if the provider now presents another key (another secret). */
  boolean refresh(String presentedKey) {
    if (!accessKey.equals(presentedKey)) {
      return false;
    }
    expiresAtNanos = System.nanoTime() + ttl.toNanos();
    return true;
  }

  /** True once the TTL has passed without a refresh; never with a TTL of 0. */
  boolean expired() {
    return !ttl.isZero() && System.nanoTime() - expiresAtNanos > 0;
  }

  SplicedSockets spliced() {
    return spliced;
  }

  @Override
  public void cutConnections() {
    spliced.cutAll();
  }

  /** Marks the reservation released; true for the call that released it. */
  boolean close() {
    return closed.compareAndSet(false, true);
  }
}
