package dev.pipe.server;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The line an operator greps for: every interval (30 s by default), how many clients, tunnels and
 * connections there are, and how many bytes moved since the last line. It listens to {@link
 * ServerEvents} like any other observer.
 *
 * <p>Bytes are summed over the tunnels that still count: open, or closed with connections that go
 * on. A tunnel retires (its totals folded into a running sum) only when it is closed and idle, so
 * bytes moved by a connection that outlives its tunnel are not lost.
 */
final class StatsLog implements ServerEvents {
  private static final Logger log = LoggerFactory.getLogger(StatsLog.class);

  private final Duration interval;
  private final AtomicInteger clients = new AtomicInteger();
  private final Set<TunnelInfo> open = ConcurrentHashMap.newKeySet();
  private final Set<TunnelInfo> counting = ConcurrentHashMap.newKeySet();
  private long retiredIn;
  private long retiredOut;
  private long lastIn;
  private long lastOut;

  StatsLog(Duration interval) {
    this.interval = interval;
  }

  @Override
  public void clientConnected(ClientInfo client) {
    clients.incrementAndGet();
  }

  @Override
  public void clientLeft(ClientInfo client) {
    clients.decrementAndGet();
  }

  @Override
  public void tunnelOpened(TunnelInfo tunnel) {
    counting.add(tunnel);
    open.add(tunnel);
  }

  @Override
  public void tunnelClosed(TunnelInfo tunnel, String reason) {
    open.remove(tunnel);
    retireIfIdle(tunnel);
  }

  @Override
  public void connectionClosed(TunnelInfo tunnel) {
    if (!open.contains(tunnel)) {
      retireIfIdle(tunnel);
    }
  }

  private void retireIfIdle(TunnelInfo tunnel) {
    if (tunnel.traffic().connectionsActive() > 0) {
      return;
    }
    // Under the lock, so that a line never sees a tunnel both in the sum and among the counting.
    synchronized (this) {
      if (counting.remove(tunnel)) {
        retiredIn += tunnel.traffic().bytesIn();
        retiredOut += tunnel.traffic().bytesOut();
      }
    }
  }

  /** One stats line: the counts now, and the bytes since the previous line. */
  record Line(int clients, int tunnels, int connections, long bytesIn, long bytesOut) {}

  /** Logs one line; called by the server's timer. */
  void logLine() {
    Line line = next();
    log.info(
        "stats clients={} tunnels={} connections={} bytes_in={} bytes_out={} (bytes in the last {}"
            + " s)",
        line.clients(),
        line.tunnels(),
        line.connections(),
        line.bytesIn(),
        line.bytesOut(),
        interval.toSeconds());
  }

  /** The next line; each call counts the bytes since the previous one. One caller at a time. */
  Line next() {
    long in;
    long out;
    int connections = 0;
    synchronized (this) {
      in = retiredIn;
      out = retiredOut;
      for (TunnelInfo tunnel : counting) {
        in += tunnel.traffic().bytesIn();
        out += tunnel.traffic().bytesOut();
        connections += tunnel.traffic().connectionsActive();
      }
    }
    Line line = new Line(clients.get(), open.size(), connections, in - lastIn, out - lastOut);
    lastIn = in;
    lastOut = out;
    return line;
  }
}
