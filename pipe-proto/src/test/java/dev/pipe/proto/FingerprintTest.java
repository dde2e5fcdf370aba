package dev.pipe.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FingerprintTest {
  private static final String HEX = "ab".repeat(32);

  @Test
  void parsesWhatTheServerPrintsAndCommonVariants() {
    Fingerprint fingerprint = Fingerprint.parse("sha256:" + HEX);
    assertThat(fingerprint.toString()).isEqualTo("sha256:" + HEX);
    assertThat(Fingerprint.parse("SHA256:" + HEX.toUpperCase())).isEqualTo(fingerprint);
    assertThat(Fingerprint.parse("sha256:" + "AB:".repeat(31) + "AB")).isEqualTo(fingerprint);
  }

  @Test
  void refusesWhatIsNotASha256() {
    assertThatThrownBy(() -> Fingerprint.parse(HEX)).hasMessageContaining("write sha256:");
    assertThatThrownBy(() -> Fingerprint.parse("sha256:abcd"))
        .hasMessageContaining("64 hex digits");
    assertThatThrownBy(() -> Fingerprint.parse("md5:" + HEX))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
