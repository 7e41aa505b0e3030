package io.meshwork.orchestrator.inputs;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Which addresses are not public, so that a URL input cannot reach the network the orchestrator
 * runs in: loopback, link-local, private and unique-local, shared (carrier-grade NAT), unspecified,
 * multicast and reserved ranges, and IPv6 addresses that carry an IPv4 address (mapped, compatible,
 * NAT64, 6to4) when the IPv4 address is one of those.
 *
 * <p>The rules read the address's bytes rather than {@link InetAddress}'s {@code isXxx} methods,
 * which miss shared and reserved space, unique-local IPv6 and IPv4 carried inside IPv6.
 */
final class AddressRules {
  /** A block of addresses: its first {@code bits} bits are those of {@code prefix}. */
  private record Block(byte[] prefix, int bits, String name) {
    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((address[i / 8] & mask) != (prefix[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private static final List<Block> IPV4 =
      List.of(
          v4(0, 0, 8, "unspecified or 'this network' (0.0.0.0/8)"),
          v4(10, 0, 8, "private (10.0.0.0/8)"),
          v4(100, 64, 10, "shared, carrier-grade NAT (100.64.0.0/10)"),
          v4(127, 0, 8, "loopback (127.0.0.0/8)"),
          v4(169, 254, 16, "link-local (169.254.0.0/16)"),
          v4(172, 16, 12, "private (172.16.0.0/12)"),
          v4(192, 168, 16, "private (192.168.0.0/16)"),
          v4(224, 0, 4, "multicast (224.0.0.0/4)"),
          v4(240, 0, 4, "reserved or broadcast (240.0.0.0/4)"));

  private static final List<Block> IPV6 =
      List.of(
          v6("00000000000000000000000000000000", 128, "unspecified (::)"),
          v6("00000000000000000000000000000001", 128, "loopback (::1)"),
          v6("fc", 7, "unique-local (fc00::/7)"),
          v6("fe80", 10, "link-local (fe80::/10)"),
          v6("fec0", 10, "site-local (fec0::/10)"),
          v6("ff", 8, "multicast (ff00::/8)"));

  // IPv6 blocks whose addresses carry an IPv4 address, and where it starts.
  private static final Block MAPPED = v6("00000000000000000000ffff", 96, "IPv4-mapped");
  private static final Block COMPATIBLE = v6("000000000000000000000000", 96, "IPv4-compatible");
  private static final Block NAT64 = v6("0064ff9b0000000000000000", 96, "NAT64");
  private static final Block SIX_TO_FOUR = v6("2002", 16, "6to4");

  private AddressRules() {}

  /**
   * Why {@code address} is not public, as a phrase ("loopback (127.0.0.0/8)", "IPv4-mapped,
   * carrying 10.0.0.1: private (10.0.0.0/8)"); empty for a public address.
   */
  static Optional<String> notPublic(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length == 4) {
      return first(IPV4, b);
    }
    Optional<String> v6 = first(IPV6, b);
    if (v6.isPresent()) {
      return v6;
    }
    for (Block carrier : List.of(MAPPED, COMPATIBLE, NAT64)) {
      if (carrier.contains(b)) {
        return carried(carrier, Arrays.copyOfRange(b, 12, 16));
      }
    }
    if (SIX_TO_FOUR.contains(b)) {
      return carried(SIX_TO_FOUR, Arrays.copyOfRange(b, 2, 6));
    }
    return Optional.empty();
  }

  private static Optional<String> carried(Block carrier, byte[] ipv4) {
    String inner =
        (ipv4[0] & 0xff) + "." + (ipv4[1] & 0xff) + "." + (ipv4[2] & 0xff) + "." + (ipv4[3] & 0xff);
    return first(IPV4, ipv4).map(why -> carrier.name() + ", carrying " + inner + ": " + why);
  }

  private static Optional<String> first(List<Block> blocks, byte[] address) {
    return blocks.stream().filter(r -> r.contains(address)).map(Block::name).findFirst();
  }

  private static Block v4(int a, int b, int bits, String name) {
    return new Block(new byte[] {(byte) a, (byte) b, 0, 0}, bits, name);
  }

  private static Block v6(String hexPrefix, int bits, String name) {
    return new Block(Arrays.copyOf(HexFormat.of().parseHex(hexPrefix), 16), bits, name);
  }
}
