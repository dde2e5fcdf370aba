package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamePatternTest {

  @Test
  void globsMatchWholeNames() {
    assertThat(NamePattern.parse("alice-*").matches("alice-web")).isTrue();
    assertThat(NamePattern.parse("alice-*").matches("bob-alice-web")).isFalse();
    assertThat(NamePattern.parse("*-ssh").matches("nas-ssh")).isTrue();
    assertThat(NamePattern.parse("web").matches("web")).isTrue();
    assertThat(NamePattern.parse("web").matches("web2")).isFalse();
    assertThat(NamePattern.parse("a.b").matches("axb")).as("a dot is literal").isFalse();
  }

  @Test
  void onlyNameCharactersAndStars() {
    assertThatThrownBy(() -> NamePattern.parse("a(b")).hasMessageContaining("not a name pattern");
    assertThatThrownBy(() -> NamePattern.parse("")).isInstanceOf(IllegalArgumentException.class);
  }
}
