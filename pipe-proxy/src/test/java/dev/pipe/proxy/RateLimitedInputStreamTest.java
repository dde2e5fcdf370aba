package dev.pipe.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.RateLimiter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimitedInputStreamTest {

  @Test
  void readsAreCappedSoThatEachWaitIsShort() throws IOException {
    InputStream in =
        new RateLimitedInputStream(
            new ByteArrayInputStream(new byte[100_000]), RateLimiter.create(1e9));
    assertThat(in.read(new byte[100_000])).isEqualTo(RateLimitedInputStream.MAX_CHUNK_BYTES);
  }

  @Test
  void everyByteReadIsPaidForAtTheLimiter() throws IOException {
    // The first acquire is granted at once and its cost is charged to whoever comes next.
    RateLimiter limiter = RateLimiter.create(1_000);
    InputStream in = new RateLimitedInputStream(new ByteArrayInputStream(new byte[2_000]), limiter);
    assertThat(in.read(new byte[4_096])).isEqualTo(2_000);
    assertThat(limiter.tryAcquire()).as("2000 bytes at 1000 B/s leave a 2 s debt").isFalse();
  }

  @Test
  void aReadThatMustWaitIsReportedAndOneThatNeedNotIsNot() throws IOException {
    AtomicInteger throttled = new AtomicInteger();
    InputStream in =
        new RateLimitedInputStream(
            new ByteArrayInputStream(new byte[40_000]),
            RateLimiter.create(1_000_000),
            throttled::incrementAndGet);
    in.readNBytes(RateLimitedInputStream.MAX_CHUNK_BYTES);
    assertThat(throttled).as("the first read is granted at once").hasValue(0);
    in.readNBytes(RateLimitedInputStream.MAX_CHUNK_BYTES);
    assertThat(throttled).as("the second pays the first one's debt").hasValue(1);
  }

  @Test
  void endOfStreamCostsNothing() throws IOException {
    RateLimiter limiter = RateLimiter.create(1_000);
    InputStream in = new RateLimitedInputStream(new ByteArrayInputStream(new byte[0]), limiter);
    assertThat(in.read(new byte[10])).isEqualTo(-1);
    assertThat(in.read()).isEqualTo(-1);
    assertThat(limiter.tryAcquire()).isTrue();
  }
}
