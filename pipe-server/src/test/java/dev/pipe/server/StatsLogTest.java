package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Traffic;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatsLogTest {
  private static final ClientInfo CLIENT =
      new ClientInfo(
          "00112233445566778899aabbccddeeff",
          "127.0.0.1:5000",
          "shared-token",
          "test",
          Instant.now(),
          () -> 0);

  private static TunnelInfo tunnel(String name) {
    return new TunnelInfo(
        name + "-id", name, TunnelType.TCP, 9000, CLIENT, Instant.now(), new Traffic());
  }

  @Test
  void eachLineCountsTheBytesSinceThePreviousOne() {
    StatsLog stats = new StatsLog(Duration.ofSeconds(30));
    TunnelInfo web = tunnel("web");
    stats.clientConnected(CLIENT);
    stats.tunnelOpened(web);
    web.traffic().connectionOpened();
    web.traffic().in().add(100);
    web.traffic().out().add(40);

    assertThat(stats.next()).isEqualTo(new StatsLog.Line(1, 1, 1, 100, 40));
    web.traffic().in().add(5);
    assertThat(stats.next()).isEqualTo(new StatsLog.Line(1, 1, 1, 5, 0));
    assertThat(stats.next()).isEqualTo(new StatsLog.Line(1, 1, 1, 0, 0));
  }

  @Test
  void aClosedTunnelWhoseConnectionGoesOnKeepsCountingUntilItIsIdle() {
    StatsLog stats = new StatsLog(Duration.ofSeconds(30));
    TunnelInfo web = tunnel("web");
    stats.tunnelOpened(web);
    web.traffic().connectionOpened();
    web.traffic().in().add(10);
    stats.tunnelClosed(web, "the client's session ended");

    web.traffic().in().add(7);
    assertThat(stats.next()).isEqualTo(new StatsLog.Line(0, 0, 1, 17, 0));
    web.traffic().out().add(3);
    web.traffic().connectionClosed();
    stats.connectionClosed(web);
    assertThat(stats.next())
        .as("retired with its last bytes, counted once")
        .isEqualTo(new StatsLog.Line(0, 0, 0, 0, 3));
    stats.connectionClosed(web);
    assertThat(stats.next()).isEqualTo(new StatsLog.Line(0, 0, 0, 0, 0));
  }

  @Test
  void clientsComeAndGo() {
    StatsLog stats = new StatsLog(Duration.ofSeconds(30));
    stats.clientConnected(CLIENT);
    stats.clientConnected(CLIENT);
    stats.clientLeft(CLIENT);
    assertThat(stats.next().clients()).isEqualTo(1);
  }
}
