package dev.pipe.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostNameTest {

  @Test
  void labelsAreLowercasedAscii() {
    assertThat(HostName.label("Demo-42")).isEqualTo("demo-42");
    assertThat(HostName.label("a")).isEqualTo("a");
    assertThat(HostName.label("a".repeat(63))).hasSize(63);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "a\"}]",
        "../",
        "a.b",
        "-demo",
        "demo-",
        "de mo",
        "de_mo",
        "xn--pple-43d",
        "ab--cd",
        "d\u0435mo", // Cyrillic e
        "\u212Aelvin", // the Kelvin sign, which Unicode lowercases to a plain k
        "\u0130stanbul", // dotted capital I, which lowercases to two characters
        "\uff44\uff45\uff4d\uff4f", // fullwidth letters
        "demo\u0000",
        "demo\n",
        "'; DROP TABLE"
      })
  void hostileLabelsAreRefused(String label) {
    assertThatThrownBy(() -> HostName.label(label))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("subdomain ");
  }

  @Test
  void aLabelOfThreeHundredCharactersSaysSoWithoutEchoingItAll() {
    assertThatThrownBy(() -> HostName.label("a".repeat(300)))
        .hasMessageContaining("of 300 characters is too long: at most 63")
        .hasMessageContaining("...'")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(200));
  }

  @Test
  void namesAreDottedLabelsAndMayUsePunycode() {
    assertThat(HostName.name("WWW.Alice.dev")).isEqualTo("www.alice.dev");
    assertThat(HostName.name("xn--bcher-kva.example")).isEqualTo("xn--bcher-kva.example");
    assertThat(HostName.name("localhost")).isEqualTo("localhost");
    assertThatThrownBy(() -> HostName.name("a..b")).hasMessageContaining("is empty");
    assertThatThrownBy(() -> HostName.name("example.com.")).hasMessageContaining("is empty");
    assertThatThrownBy(() -> HostName.name("*.example.com")).hasMessageContaining("'*'");
    assertThatThrownBy(() -> HostName.name("a".repeat(50) + ("." + "b".repeat(50)).repeat(5)))
        .hasMessageContaining("too long: at most 253");
  }

  @Test
  void quotingEscapesWhatCouldForgeALogLine() {
    assertThat(HostName.quote("evil\nWARN forged")).isEqualTo("'evil\\u000aWARN forged'");
    assertThat(HostName.quote("back\\slash")).isEqualTo("'back\\u005cslash'");
    assertThat(HostName.quote(null)).isEqualTo("(none)");
  }
}
