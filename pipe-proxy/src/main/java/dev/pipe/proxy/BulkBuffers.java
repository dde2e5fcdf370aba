package dev.pipe.proxy;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Large copy buffers lent to splice directions while they move bulk data, and taken back as soon as
 * a direction's traffic pauses, so that a held but quiet connection pins none. Keeps at most {@code
 * maxIdle} spare buffers; beyond that, returned buffers are left to the garbage collector.
 */
final class BulkBuffers {
  private final int bufferBytes;
  private final int maxIdle;
  private final ConcurrentLinkedQueue<byte[]> idle = new ConcurrentLinkedQueue<>();
  private final AtomicInteger idleCount = new AtomicInteger();

  BulkBuffers(int bufferBytes, int maxIdle) {
    this.bufferBytes = bufferBytes;
    this.maxIdle = maxIdle;
  }

  byte[] borrow() {
    byte[] buffer = idle.poll();
    if (buffer == null) {
      return new byte[bufferBytes];
    }
    idleCount.decrementAndGet();
    return buffer;
  }

  void giveBack(byte[] buffer) {
    if (idleCount.incrementAndGet() <= maxIdle) {
      idle.offer(buffer);
    } else {
      idleCount.decrementAndGet();
    }
  }

  int bufferBytes() {
    return bufferBytes;
  }
}
