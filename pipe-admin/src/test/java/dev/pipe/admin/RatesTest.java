package dev.pipe.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Traffic;
import dev.pipe.server.ClientInfo;
import dev.pipe.server.TunnelInfo;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RatesTest {
  private static final long SECOND = 1_000_000_000L;

  private static TunnelInfo tunnel(String id) {
    ClientInfo client =
        new ClientInfo("c", "127.0.0.1:1", "shared-token", "test", Instant.now(), () -> 0);
    return new TunnelInfo(id, "web", TunnelType.TCP, 9000, client, Instant.now(), new Traffic());
  }

  @Test
  void theRateIsTheBytesBetweenTheLastTwoSamplesPerSecond() {
    Rates rates = new Rates();
    TunnelInfo web = tunnel("a");
    rates.sample(List.of(web), 0);
    assertThat(rates.of("a")).isEqualTo(Rates.Rate.NONE);

    web.traffic().in().add(2_000);
    web.traffic().out().add(500);
    rates.sample(List.of(web), 2 * SECOND);
    assertThat(rates.of("a")).isEqualTo(new Rates.Rate(1_000, 250));

    rates.sample(List.of(web), 3 * SECOND);
    assertThat(rates.of("a"))
        .as("nothing moved in the last second")
        .isEqualTo(new Rates.Rate(0, 0));
  }

  @Test
  void aClosedTunnelIsForgotten() {
    Rates rates = new Rates();
    TunnelInfo web = tunnel("a");
    rates.sample(List.of(web), 0);
    web.traffic().in().add(10);
    rates.sample(List.of(web), SECOND);
    rates.sample(List.of(), 2 * SECOND);
    assertThat(rates.of("a")).isEqualTo(Rates.Rate.NONE);
  }
}
