package dev.pipe.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A block of addresses such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a
 * block of one. Parsing never touches DNS: only address literals are accepted.
 */
public record Cidr(InetAddress network, int prefixLength) {
  public Cidr {
    int bits = network.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > bits) {
      throw new IllegalArgumentException(
          "prefix /" + prefixLength + " is outside 0-" + bits + " for " + network.getHostAddress());
    }
  }

  /** Parses {@code ADDRESS[/PREFIX]}. */
  public static Cidr parse(String text) {
    String value = text == null ? "" : text.strip();
    int slash = value.indexOf('/');
    String address = slash < 0 ? value : value.substring(0, slash);
    InetAddress network;
    try {
      network = unmap(InetAddress.ofLiteral(address));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not an address block; write one like 10.0.0.0/8, 203.0.113.7 or ::1/128");
    }
    int bits = network.getAddress().length * 8;
    int prefix;
    try {
      prefix = slash < 0 ? bits : Integer.parseInt(value.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has no valid prefix length after the /");
    }
    return new Cidr(network, prefix);
  }

  /** True if {@code address} lies in this block (an IPv4-mapped IPv6 address counts as IPv4). */
  public boolean contains(InetAddress address) {
    byte[] candidate = unmap(address).getAddress();
    byte[] block = network.getAddress();
    if (candidate.length != block.length) {
      return false;
    }
    int fullBytes = prefixLength / 8;
    for (int i = 0; i < fullBytes; i++) {
      if (candidate[i] != block[i]) {
        return false;
      }
    }
    int remainingBits = prefixLength % 8;
    if (remainingBits == 0) {
      return true;
    }
    int mask = 0xff << (8 - remainingBits);
    return (candidate[fullBytes] & mask) == (block[fullBytes] & mask);
  }

  private static InetAddress unmap(InetAddress address) {
    if (address instanceof Inet6Address v6) {
      byte[] bytes = v6.getAddress();
      boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = bytes[i] == 0;
      }
      if (mapped) {
        try {
          return Inet4Address.getByAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]});
        } catch (java.net.UnknownHostException e) {
          throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
      }
    }
    return address;
  }

  @Override
  public String toString() {
    return network.getHostAddress() + "/" + prefixLength;
  }
}
