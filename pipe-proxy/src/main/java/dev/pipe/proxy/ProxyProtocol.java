package dev.pipe.proxy;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The PROXY protocol (HAProxy's, versions 1 and 2): a header written first on a connection to a
 * local service, saying who the user really is, since the service otherwise sees the tunnel client
 * as the peer of every connection.
 */
public enum ProxyProtocol {
  /** The human-readable line: {@code PROXY TCP4 SRC DST SPORT DPORT}. */
  V1,
  /** The binary header, which services such as nginx, HAProxy and Caddy read as well. */
  V2;

  private static final byte[] V2_SIGNATURE = {
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
  };
  private static final int V2_PROXY = 0x21;
  private static final int V2_LOCAL = 0x20;
  private static final int TCP_OVER_IPV4 = 0x11;
  private static final int TCP_OVER_IPV6 = 0x21;

  /** Parses a configuration value: {@code v1} or {@code v2}. */
  public static ProxyProtocol parse(String text) {
    for (ProxyProtocol version : values()) {
      if (version.configName().equals(text)) {
        return version;
      }
    }
    throw new IllegalArgumentException(
        "unknown PROXY protocol version '" + text + "'; use v1 or v2");
  }

  /** The name in configuration files: {@code v1} or {@code v2}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The header for a user at {@code source} that reached {@code destination}; both null when the
   * addresses are unknown ({@code UNKNOWN} in version 1, the {@code LOCAL} command in version 2).
   */
  public byte[] header(InetSocketAddress source, InetSocketAddress destination) {
    boolean known = source != null && destination != null;
    InetAddress from = known ? source.getAddress() : null;
    InetAddress to = known ? destination.getAddress() : null;
    if (known && !(from instanceof Inet4Address && to instanceof Inet4Address)) {
      // One family for both: an IPv4 address beside an IPv6 one is written as IPv4-mapped IPv6.
      from = asIpv6(from);
      to = asIpv6(to);
    }
    return switch (this) {
      case V1 -> v1(from, to, known ? source.getPort() : 0, known ? destination.getPort() : 0);
      case V2 -> v2(from, to, known ? source.getPort() : 0, known ? destination.getPort() : 0);
    };
  }

  private static byte[] v1(InetAddress from, InetAddress to, int fromPort, int toPort) {
    String line =
        from == null
            ? "PROXY UNKNOWN\r\n"
            : "PROXY "
                + (from instanceof Inet4Address ? "TCP4" : "TCP6")
                + " "
                + from.getHostAddress()
                + " "
                + to.getHostAddress()
                + " "
                + fromPort
                + " "
                + toPort
                + "\r\n";
    return line.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] v2(InetAddress from, InetAddress to, int fromPort, int toPort) {
    ByteArrayOutputStream header = new ByteArrayOutputStream(52);
    header.writeBytes(V2_SIGNATURE);
    if (from == null) {
      header.write(V2_LOCAL);
      header.write(0);
      header.write(0);
      header.write(0);
      return header.toByteArray();
    }
    byte[] source = from.getAddress();
    byte[] target = to.getAddress();
    ByteBuffer addresses = ByteBuffer.allocate(source.length * 2 + 4);
    addresses.put(source).put(target).putShort((short) fromPort).putShort((short) toPort);
    header.write(V2_PROXY);
    header.write(from instanceof Inet4Address ? TCP_OVER_IPV4 : TCP_OVER_IPV6);
    header.write(addresses.capacity() >> 8);
    header.write(addresses.capacity() & 0xff);
    header.writeBytes(addresses.array());
    return header.toByteArray();
  }

  private static InetAddress asIpv6(InetAddress address) {
    if (address instanceof Inet6Address) {
      return address;
    }
    byte[] v4 = address.getAddress();
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(v4, 0, mapped, 12, 4);
    try {
      return Inet6Address.getByAddress(null, mapped, -1);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("16 bytes are always an IPv6 address", e);
    }
  }
}
