package dev.pipe.server;

import dev.pipe.config.Durations;
import dev.pipe.proto.CircuitRefusal;
import dev.pipe.proxy.Sockets;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A relay tunnel reserved by its provider: no public port, only the access key that visitors'
 * proofs are checked with, and the visitors' circuit connections waiting for the provider's data
 * connection. It lasts while its provider stays connected, and expires after its TTL unless the
 * provider refreshes it (a provider that is connected but silent about its tunnel is broken).
 */
final class Reservation implements OpenTunnel, StreamTunnel {
  private final ControlSession owner;
  private final TunnelInfo info;
  private final String accessKey;
  private final Duration ttl;
  private final Map<Socket, WaitingCircuit> waiting = new ConcurrentHashMap<>();
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
  public String tunnel() {
    return info.name();
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

  /** Parks a visitor's admitted circuit connection until the provider's data connection comes. */
  void await(Socket visitor, WaitingCircuit circuit) {
    waiting.put(visitor, circuit);
  }

  /** Takes the circuit waiting on {@code visitor}; null if it is gone. */
  WaitingCircuit claim(Socket visitor) {
    return waiting.remove(visitor);
  }

  SplicedSockets spliced() {
    return spliced;
  }

  @Override
  public void abandon(Socket visitor, String reason) {
    WaitingCircuit circuit = claim(visitor);
    if (circuit == null) {
      Sockets.closeQuietly(visitor);
      return;
    }
    circuit.refuseLater(
        CircuitRefusal.PROVIDER_FAILED, "the provider could not open the circuit: " + reason);
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
