package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortRangesTest {

  @Test
  void rangesAndSinglePorts() {
    PortRanges ranges = PortRanges.parse("9000-9100, 9200");
    assertThat(ranges.contains(9000)).isTrue();
    assertThat(ranges.contains(9100)).isTrue();
    assertThat(ranges.contains(9101)).isFalse();
    assertThat(ranges.contains(9200)).isTrue();
    assertThat(ranges.toString()).isEqualTo("9000-9100,9200");
  }

  @Test
  void candidatesCoverEveryAllowedPortOnceFromARandomStart() {
    List<Integer> candidates = PortRanges.parse("9000-9002,9200").candidates();
    assertThat(new HashSet<>(candidates)).containsExactlyInAnyOrder(9000, 9001, 9002, 9200);
    assertThat(candidates).hasSize(4);
  }

  @Test
  void candidatesAreBoundedForHugeRanges() {
    assertThat(PortRanges.UNPRIVILEGED.candidates()).hasSize(1_000).allMatch(port -> port >= 1024);
  }

  @Test
  void nonsenseIsRefusedWithAnExample() {
    assertThatThrownBy(() -> PortRanges.parse("9100-9000"))
        .hasMessageContaining("ends before it starts");
    assertThatThrownBy(() -> PortRanges.parse("0")).hasMessageContaining("like 9000-9100,9200");
    assertThatThrownBy(() -> PortRanges.parse("http")).hasMessageContaining("not a port list");
    assertThatThrownBy(() -> PortRanges.parse("9000,,9001"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
