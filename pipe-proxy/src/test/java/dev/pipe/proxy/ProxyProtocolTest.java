package dev.pipe.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ProxyProtocolTest {
  private static final InetSocketAddress USER = new InetSocketAddress("203.0.113.7", 52114);
  private static final InetSocketAddress SERVER = new InetSocketAddress("198.51.100.1", 80);

  @Test
  void versionOneIsOneLine() {
    assertThat(text(ProxyProtocol.V1.header(USER, SERVER)))
        .isEqualTo("PROXY TCP4 203.0.113.7 198.51.100.1 52114 80\r\n");
    assertThat(text(ProxyProtocol.V1.header(null, null))).isEqualTo("PROXY UNKNOWN\r\n");
    assertThat(text(ProxyProtocol.V1.header(USER, new InetSocketAddress("2001:db8::1", 443))))
        .isEqualTo("PROXY TCP6 0:0:0:0:0:ffff:cb00:7107 2001:db8:0:0:0:0:0:1 52114 443\r\n");
  }

  @Test
  void versionTwoIsTheBinaryHeader() {
    assertThat(HexFormat.of().formatHex(ProxyProtocol.V2.header(USER, SERVER)))
        .isEqualTo(
            "0d0a0d0a000d0a515549540a" // signature
                + "21" // version 2, PROXY
                + "11" // TCP over IPv4
                + "000c" // 12 bytes of addresses
                + "cb007107" // 203.0.113.7
                + "c6336401" // 198.51.100.1
                + "cb92" // 52114
                + "0050"); // 80
    assertThat(HexFormat.of().formatHex(ProxyProtocol.V2.header(null, null)))
        .isEqualTo("0d0a0d0a000d0a515549540a" + "20" + "00" + "0000");
  }

  @Test
  void configNames() {
    assertThat(ProxyProtocol.parse("v2")).isEqualTo(ProxyProtocol.V2);
    assertThatThrownBy(() -> ProxyProtocol.parse("V3")).hasMessageContaining("use v1 or v2");
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.US_ASCII);
  }
}
