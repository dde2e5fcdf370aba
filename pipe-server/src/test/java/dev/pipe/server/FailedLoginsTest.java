package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailedLoginsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final FailedLogins logins =
      new FailedLogins(3, Duration.ofMinutes(1), Duration.ofMinutes(5), now::get);
  private final InetAddress attacker = InetAddress.ofLiteral("203.0.113.9");
  private final InetAddress bystander = InetAddress.ofLiteral("198.51.100.1");

  @Test
  void theThirdFailureWithinTheWindowBansForTheBanDuration() {
    assertThat(logins.recordFailure(attacker)).isFalse();
    assertThat(logins.recordFailure(attacker)).isFalse();
    assertThat(logins.isBanned(attacker)).isFalse();
    assertThat(logins.recordFailure(attacker)).as("this one starts the ban").isTrue();
    assertThat(logins.isBanned(attacker)).isTrue();
    assertThat(logins.isBanned(bystander)).isFalse();
    advance(Duration.ofMinutes(5).plusSeconds(1));
    assertThat(logins.isBanned(attacker)).isFalse();
  }

  @Test
  void failuresSpreadWiderThanTheWindowDoNotBan() {
    for (int i = 0; i < 10; i++) {
      assertThat(logins.recordFailure(attacker)).isFalse();
      advance(Duration.ofSeconds(31));
      if (i % 2 == 1) {
        advance(Duration.ofSeconds(31));
      }
      assertThat(logins.isBanned(attacker)).isFalse();
    }
  }

  @Test
  void theTableOfSourcesIsBounded() throws Exception {
    for (int i = 0; i < FailedLogins.MAX_SOURCES; i++) {
      logins.recordFailure(
          InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
    }
    InetAddress late = InetAddress.ofLiteral("192.0.2.1");
    for (int i = 0; i < 5; i++) {
      logins.recordFailure(late);
    }
    assertThat(logins.isBanned(late)).as("not counted while the table is full").isFalse();
    advance(Duration.ofMinutes(2));
    logins.recordFailure(late);
    logins.recordFailure(late);
    assertThat(logins.recordFailure(late)).as("expired entries made room").isTrue();
  }

  private void advance(Duration duration) {
    now.addAndGet(duration.toNanos());
  }
}
