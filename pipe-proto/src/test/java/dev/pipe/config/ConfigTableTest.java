package dev.pipe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigTableTest {

  @Test
  void readsTypedValues() {
    ConfigTable table = ConfigTable.parse("name = \"web\"\nport = 9000\non = true\n", "t.toml");
    assertThat(table.string("name")).contains("web");
    assertThat(table.integer("port")).contains(9000L);
    assertThat(table.bool("on")).contains(true);
    assertThat(table.string("missing")).isEmpty();
  }

  @Test
  void aSyntaxErrorNamesTheFileAndLine() {
    assertThatThrownBy(() -> ConfigTable.parse("a = 1\nb = = 2\n", "server.toml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("server.toml:2: ");
  }

  @Test
  void anUnknownKeyIsAnErrorWithASuggestionAndItsLine() {
    ConfigTable table = ConfigTable.parse("port = 1\nallow_prots = \"9000\"\n", "server.toml");
    assertThatThrownBy(() -> table.allowOnly(Set.of("port", "allow_ports")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "server.toml:2: 'allow_prots' unknown key; did you mean 'allow_ports'?");
  }

  @Test
  void aWrongTypeSaysWhatIsExpected() {
    ConfigTable table = ConfigTable.parse("\n\nport = \"9000\"\n", "c.toml");
    assertThatThrownBy(() -> table.integer("port"))
        .hasMessage("c.toml:3: 'port' must be a whole number");
  }

  @Test
  void aParserErrorIsLocated() {
    ConfigTable table = ConfigTable.parse("timeout = \"ten seconds\"\n", "c.toml");
    assertThatThrownBy(() -> table.parsed("timeout", Durations::parse))
        .hasMessageStartingWith("c.toml:1: 'timeout' is invalid: 'ten seconds' is not a duration");
  }

  @Test
  void arraysOfTablesKeepTheirOrderAndPositions() {
    ConfigTable table =
        ConfigTable.parse(
            "[[tunnels]]\nname = \"a\"\n\n[[tunnels]]\nname = \"b\"\nbogus = 1\n", "c.toml");
    assertThat(table.tables("tunnels")).hasSize(2);
    ConfigTable second = table.tables("tunnels").get(1);
    assertThat(second.string("name")).contains("b");
    assertThatThrownBy(() -> second.allowOnly(Set.of("name")))
        .hasMessageStartingWith("c.toml:6: 'bogus' in [[tunnels]] #2 unknown key");
  }

  @Test
  void aPlainTableWhereAListIsExpectedIsAnError() {
    ConfigTable table = ConfigTable.parse("[tunnels]\nname = \"a\"\n", "c.toml");
    assertThatThrownBy(() -> table.tables("tunnels"))
        .hasMessageContaining("must be a list of tables, written as [[tunnels]] sections");
  }
}
