package io.meshwork.orchestrator.inputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which addresses a URL input may not reach: every block, at its edges, in IPv4 and IPv6. */
class AddressRulesTest {
  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0.0.0.0         | unspecified",
        "0.255.255.255   | unspecified",
        "10.0.0.0        | private (10.0.0.0/8)",
        "10.255.255.255  | private (10.0.0.0/8)",
        "100.64.0.0      | shared, carrier-grade NAT",
        "100.127.255.255 | shared, carrier-grade NAT",
        "127.0.0.1       | loopback (127.0.0.0/8)",
        "127.255.255.254 | loopback (127.0.0.0/8)",
        "169.254.0.1     | link-local (169.254.0.0/16)",
        "169.254.169.254 | link-local (169.254.0.0/16)",
        "172.16.0.0      | private (172.16.0.0/12)",
        "172.31.255.255  | private (172.16.0.0/12)",
        "192.168.0.1     | private (192.168.0.0/16)",
        "192.168.255.255 | private (192.168.0.0/16)",
        "224.0.0.1       | multicast (224.0.0.0/4)",
        "239.255.255.255 | multicast (224.0.0.0/4)",
        "240.0.0.1       | reserved or broadcast",
        "255.255.255.255 | reserved or broadcast",
        "::              | unspecified (::)",
        "::1             | loopback (::1)",
        "fc00::1         | unique-local (fc00::/7)",
        "fdff:ffff::1    | unique-local (fc00::/7)",
        "fe80::1         | link-local (fe80::/10)",
        "febf:ffff::1    | link-local (fe80::/10)",
        "fec0::1         | site-local (fec0::/10)",
        "ff02::1         | multicast (ff00::/8)",
        "ff0e::1         | multicast (ff00::/8)",
        "::7f00:1        | IPv4-compatible, carrying 127.0.0.1: loopback",
        "64:ff9b::a00:1  | NAT64, carrying 10.0.0.1: private (10.0.0.0/8)",
        "2002:c0a8:101:: | 6to4, carrying 192.168.1.1: private (192.168.0.0/16)",
      })
  void aNonPublicAddressIsNamedWithItsBlock(String address, String why) throws Exception {
    Optional<String> refused = AddressRules.notPublic(InetAddress.getByName(address));

    assertTrue(refused.isPresent(), address + " passed as public");
    assertTrue(refused.get().startsWith(why), address + ": " + refused.get());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.1.1.1",
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.255.255",
        "192.169.0.0",
        "223.255.255.255",
        "2001:4860:4860::8888",
        "2606:4700::1111",
        "fbff:ffff::1",
        "fe00::1",
        "2a00:1450::1",
        "64:ff9b::808:808",
        "2002:808:808::",
      })
  void aPublicAddressPasses(String address) throws Exception {
    assertEquals(Optional.empty(), AddressRules.notPublic(InetAddress.getByName(address)), address);
  }

  @ParameterizedTest(name = "::ffff:{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "127,0,0,1     | IPv4-mapped, carrying 127.0.0.1: loopback (127.0.0.0/8)",
        "10,1,2,3      | IPv4-mapped, carrying 10.1.2.3: private (10.0.0.0/8)",
        "172,16,0,1    | IPv4-mapped, carrying 172.16.0.1: private (172.16.0.0/12)",
        "192,168,0,1   | IPv4-mapped, carrying 192.168.0.1: private (192.168.0.0/16)",
        "169,254,169,254 | IPv4-mapped, carrying 169.254.169.254: link-local (169.254.0.0/16)",
        "100,64,0,1    | IPv4-mapped, carrying 100.64.0.1: shared, carrier-grade NAT (100.64.0.0/10)",
        "0,0,0,0       | IPv4-mapped, carrying 0.0.0.0: unspecified or 'this network' (0.0.0.0/8)",
        "224,0,0,1     | IPv4-mapped, carrying 224.0.0.1: multicast (224.0.0.0/4)",
      })
  void anIpv4AddressMappedIntoIpv6IsJudgedAsItself(String ipv4, String why) throws Exception {
    // Java turns a mapped address it parses into an Inet4Address; a resolver or a caller may still
    // hand over the IPv6 form, which must not slip through.
    InetAddress mapped = mapped(ipv4);
    assertTrue(mapped instanceof Inet6Address);

    assertEquals(Optional.of(why), AddressRules.notPublic(mapped));
  }

  @ParameterizedTest
  @ValueSource(strings = {"8,8,8,8", "93,184,216,34"})
  void aPublicIpv4AddressMappedIntoIpv6Passes(String ipv4) throws Exception {
    assertEquals(Optional.empty(), AddressRules.notPublic(mapped(ipv4)));
  }

  private static InetAddress mapped(String ipv4) throws UnknownHostException {
    byte[] bytes = new byte[16];
    bytes[10] = (byte) 0xff;
    bytes[11] = (byte) 0xff;
    String[] parts = ipv4.split(",");
    for (int i = 0; i < 4; i++) {
      bytes[12 + i] = (byte) Integer.parseInt(parts[i].strip());
    }
    return Inet6Address.getByAddress(null, bytes, -1);
  }
}
