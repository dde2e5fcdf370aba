package dev.pipe.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BandwidthTest {

  @Test
  void unitsAreDecimalOrBinaryAsWritten() {
    assertThat(Bandwidth.parse("1MiB").bytesPerSecond()).isEqualTo(1_048_576);
    assertThat(Bandwidth.parse("1MB").bytesPerSecond()).isEqualTo(1_000_000);
    assertThat(Bandwidth.parse("512 KiB").bytesPerSecond()).isEqualTo(524_288);
    assertThat(Bandwidth.parse("2.5mb/s").bytesPerSecond()).isEqualTo(2_500_000);
    assertThat(Bandwidth.parse("1GiB").bytesPerSecond()).isEqualTo(1L << 30);
    assertThat(Bandwidth.parse("100B").bytesPerSecond()).isEqualTo(100);
  }

  @Test
  void nonsenseIsRefusedWithAnExample() {
    assertThatThrownBy(() -> Bandwidth.parse("fast")).hasMessageContaining("such as 512KiB, 1MiB");
    assertThatThrownBy(() -> Bandwidth.parse("10")).hasMessageContaining("not a bandwidth");
    assertThatThrownBy(() -> Bandwidth.parse("0MB")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Bandwidth.parse("0.1B")).hasMessageContaining("less than one byte");
  }
}
