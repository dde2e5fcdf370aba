package dev.pipe.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counts of one tunnel, shared by all its connections: bytes each way, counted inside the copy
 * loops, and connections open now and in all. {@link LongAdder} keeps concurrent splices of a busy
 * tunnel from contending on one cache line.
 *
 * <p>"In" is what arrives from the users of the tunnel (towards the service behind it), "out" is
 * what goes back to them.
 */
public final class Traffic {
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder connectionsTotal = new LongAdder();
  private final AtomicInteger connectionsActive = new AtomicInteger();
  private final ByteCounter inCounter = bytesIn::add;
  private final ByteCounter outCounter = bytesOut::add;

  /** Counts bytes that arrive from users. */
  public ByteCounter in() {
    return inCounter;
  }

  /** Counts bytes that go back to users. */
  public ByteCounter out() {
    return outCounter;
  }

  public void connectionOpened() {
    connectionsTotal.increment();
    connectionsActive.incrementAndGet();
  }

  public void connectionClosed() {
    connectionsActive.decrementAndGet();
  }

  public long bytesIn() {
    return bytesIn.sum();
  }

  public long bytesOut() {
    return bytesOut.sum();
  }

  public int connectionsActive() {
    return connectionsActive.get();
  }

  public long connectionsTotal() {
    return connectionsTotal.sum();
  }
}
