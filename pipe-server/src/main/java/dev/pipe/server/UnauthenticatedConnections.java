package dev.pipe.server;

import java.net.InetAddress;
import java.util.concurrent.Semaphore;

/**
 * Bounds the connections that have not logged in yet: from strangers at most {@code max} in all and
 * {@code maxPerSource} from one address. A flood of idle connections is refused at accept instead
 * of holding sockets until its deadline, and one noisy address cannot take every slot.
 *
 * <p>An address that already has a logged-in client draws from a pool of its own, {@code
 * maxFromClients} (the most data connections the server could be waiting for): that client opens a
 * data connection for every user connection, and neither a burst of users nor a flood from
 * strangers may make the server refuse its own clients.
 */
final class UnauthenticatedConnections {
  private final SourceSlots strangers;
  private final Semaphore fromClients;
  private final int maxFromClients;

  UnauthenticatedConnections(int max, int maxPerSource, int maxFromClients) {
    this.strangers =
        new SourceSlots(
            max,
            ServerLimit.MAX_UNAUTHENTICATED_CONNECTIONS,
            maxPerSource,
            ServerLimit.MAX_UNAUTHENTICATED_PER_SOURCE);
    this.fromClients = new Semaphore(maxFromClients);
    this.maxFromClients = maxFromClients;
  }

  /** Admits or refuses a connection from {@code source}, which may have a logged-in client. */
  Admission enter(InetAddress source, boolean hasClient) {
    if (hasClient) {
      return fromClients.tryAcquire()
          ? new Admission.Slot(fromClients::release)
          : new Admission.Refused(ServerLimit.MAX_PENDING_CONNECTIONS, maxFromClients);
    }
    return strangers.enter(source, false);
  }
}
