package dev.pipe.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void delaysDoubleWithJitterUpToThirtySeconds() {
    Backoff backoff = new Backoff();
    long ceiling = 500;
    for (int attempt = 0; attempt < 12; attempt++) {
      Duration delay = backoff.next();
      assertThat(delay.toMillis()).isBetween(ceiling / 2, ceiling);
      ceiling = Math.min(ceiling * 2, 30_000);
    }
    assertThat(backoff.next()).isLessThanOrEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aResetStartsAgainFromHalfASecond() {
    Backoff backoff = new Backoff();
    for (int i = 0; i < 10; i++) {
      backoff.next();
    }
    backoff.reset();
    assertThat(backoff.next()).isLessThanOrEqualTo(Duration.ofMillis(500));
  }
}
