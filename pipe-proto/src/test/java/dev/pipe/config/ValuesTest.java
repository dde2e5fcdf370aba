package dev.pipe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValuesTest {

  @Test
  void hostPortForms() {
    assertThat(HostPort.parse("example.com:8910", null))
        .isEqualTo(new HostPort("example.com", 8910));
    assertThat(HostPort.parse("3000", "127.0.0.1")).isEqualTo(new HostPort("127.0.0.1", 3000));
    assertThat(HostPort.parse("[::1]:80", null)).isEqualTo(new HostPort("::1", 80));
    assertThat(new HostPort("::1", 80).toString()).isEqualTo("[::1]:80");
  }

  @Test
  void badHostPortsSayHowToWriteThem() {
    assertThatThrownBy(() -> HostPort.parse("3000", null)).hasMessageContaining("has no host");
    assertThatThrownBy(() -> HostPort.parse("host:http", null))
        .hasMessageContaining("no valid port");
    assertThatThrownBy(() -> HostPort.parse("::1:80", null)).hasMessageContaining("in brackets");
    assertThatThrownBy(() -> HostPort.parse("host:70000", null))
        .hasMessageContaining("outside 0-65535");
  }

  @Test
  void durations() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThatThrownBy(() -> Durations.parse("10"))
        .hasMessageContaining("write a number and a unit");
    assertThatThrownBy(() -> Durations.parse("-1s")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void durationsAreWrittenBackAsAUserWouldWriteThem() {
    for (String text : new String[] {"0ms", "500ms", "1500ms", "10s", "90s", "2m", "90m", "1h"}) {
      assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
    }
    assertThat(Durations.format(Duration.ofMinutes(120))).isEqualTo("2h");
  }
}
