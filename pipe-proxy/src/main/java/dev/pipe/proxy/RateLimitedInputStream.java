package dev.pipe.proxy;

import com.google.common.util.concurrent.RateLimiter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads no faster than its {@link RateLimiter} allows. Several streams may share one limiter (all
 * connections of a tunnel). Reads are capped at {@link #MAX_CHUNK_BYTES} so that each wait on the
 * limiter is short: {@code RateLimiter.acquire} sleeps uninterruptibly, and closing a throttled
 * connection should not have to wait out a long sleep.
 */
public final class RateLimitedInputStream extends FilterInputStream {
  static final int MAX_CHUNK_BYTES = 16 * 1024;

  private final RateLimiter limiter;
  private final Runnable whenThrottled;

  public RateLimitedInputStream(InputStream in, RateLimiter limiter) {
    this(in, limiter, () -> {});
  }

  /** The same, calling {@code whenThrottled} each time a read has to wait for the limiter. */
  public RateLimitedInputStream(InputStream in, RateLimiter limiter, Runnable whenThrottled) {
    super(in);
    this.limiter = limiter;
    this.whenThrottled = whenThrottled;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      pace(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = in.read(buffer, offset, Math.min(length, MAX_CHUNK_BYTES));
    if (n > 0) {
      pace(n);
    }
    return n;
  }

  private void pace(int bytes) {
    if (!limiter.tryAcquire(bytes)) {
      whenThrottled.run();
      limiter.acquire(bytes);
    }
  }
}
