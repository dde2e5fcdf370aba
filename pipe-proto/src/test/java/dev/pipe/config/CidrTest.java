package dev.pipe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class CidrTest {

  @Test
  void blocksContainTheirAddressesOnly() {
    Cidr ten = Cidr.parse("10.0.0.0/8");
    assertThat(ten.contains(ip("10.255.1.2"))).isTrue();
    assertThat(ten.contains(ip("11.0.0.1"))).isFalse();
    Cidr odd = Cidr.parse("192.168.1.128/25");
    assertThat(odd.contains(ip("192.168.1.200"))).isTrue();
    assertThat(odd.contains(ip("192.168.1.127"))).isFalse();
    assertThat(Cidr.parse("203.0.113.7").contains(ip("203.0.113.7"))).isTrue();
    assertThat(Cidr.parse("203.0.113.7").contains(ip("203.0.113.8"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(ip("8.8.8.8"))).isTrue();
  }

  @Test
  void ipv6AndMappedAddresses() {
    assertThat(Cidr.parse("2001:db8::/32").contains(ip("2001:db8:1::5"))).isTrue();
    assertThat(Cidr.parse("2001:db8::/32").contains(ip("10.0.0.1"))).isFalse();
    assertThat(Cidr.parse("10.0.0.0/8").contains(ip("::ffff:10.1.2.3"))).isTrue();
  }

  @Test
  void namesAndNonsenseAreRefusedWithoutTouchingDns() {
    assertThatThrownBy(() -> Cidr.parse("example.com/24"))
        .hasMessageContaining("not an address block");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
        .hasMessageContaining("prefix /33 is outside 0-32");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).hasMessageContaining("no valid prefix");
    assertThatThrownBy(() -> Cidr.parse("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFilterDeniesFirstThenAllows() {
    SourceFilter filter = SourceFilter.parse(List.of("10.0.0.0/8"), List.of("10.0.0.66"));
    assertThat(filter.permits(ip("10.0.0.1"))).isTrue();
    assertThat(filter.permits(ip("10.0.0.66"))).isFalse();
    assertThat(filter.permits(ip("192.168.0.1"))).isFalse();
    assertThat(SourceFilter.ANY.permits(ip("192.168.0.1"))).isTrue();
    assertThat(SourceFilter.parse(List.of(), List.of("127.0.0.2")).permits(ip("127.0.0.3")))
        .isTrue();
  }

  private static InetAddress ip(String literal) {
    return InetAddress.ofLiteral(literal);
  }
}
