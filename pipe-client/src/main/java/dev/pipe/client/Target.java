package dev.pipe.client;

import dev.pipe.balance.Backend;
import dev.pipe.config.HostPort;
import java.util.concurrent.atomic.AtomicInteger;

/** One local service of a tunnel, with its health verdict and its open connections. */
final class Target implements Backend {
  private final HostPort address;
  private final HealthState health;
  private final AtomicInteger connections = new AtomicInteger();

  Target(HostPort address, HealthState health) {
    this.address = address;
    this.health = health;
  }

  HostPort address() {
    return address;
  }

  HealthState health() {
    return health;
  }

  boolean healthy() {
    return health.healthy();
  }

  void connectionOpened() {
    connections.incrementAndGet();
  }

  void connectionClosed() {
    connections.decrementAndGet();
  }

  @Override
  public String key() {
    return address.toString();
  }

  @Override
  public int weight() {
    return 1;
  }

  @Override
  public int activeConnections() {
    return connections.get();
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
