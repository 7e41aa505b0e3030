package io.meshwork.orchestrator.inputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.runtime.errors.MeshException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which URLs are fetched: the schemes, the host list and every address a host resolves to, with a
 * resolver that answers from a table instead of DNS.
 */
class UrlPolicyTest {
  private static final Map<String, String[]> DNS =
      Map.of(
          "data.example.com", new String[] {"93.184.216.34"},
          "a.b.example.com", new String[] {"93.184.216.35"},
          "example.com", new String[] {"93.184.216.36"},
          // A public name whose second address is inside the operator's network.
          "split.example.com", new String[] {"93.184.216.34", "10.1.2.3"},
          "inside.example.com", new String[] {"fd12:3456::1"});

  private static UrlPolicy policy(List<String> hosts, boolean allowPrivate, boolean allowHttp) {
    return new UrlPolicy(
        new UrlInputFetcher.Options(hosts, allowPrivate, allowHttp, Duration.ofSeconds(1)),
        UrlPolicyTest::resolve);
  }

  private static InetAddress[] resolve(String host) throws UnknownHostException {
    String[] addresses = DNS.get(host);
    if (addresses == null) {
      // Literals resolve to themselves, as they do without a resolver.
      if (UrlPolicy.isLiteral(host)) {
        return new InetAddress[] {InetAddress.getByName(host)};
      }
      throw new UnknownHostException(host);
    }
    InetAddress[] all = new InetAddress[addresses.length];
    for (int i = 0; i < all.length; i++) {
      all[i] = InetAddress.getByName(addresses[i]);
    }
    return all;
  }

  private static MeshException refused(UrlPolicy policy, String url) {
    return assertThrows(
        MeshException.class, () -> policy.addresses(policy.parse(url)), url + " was allowed");
  }

  @Test
  void withNoHostListedEveryUrlIsRefusedNamingTheSetting() {
    MeshException e =
        refused(
            new UrlPolicy(UrlInputFetcher.Options.defaults(), UrlPolicyTest::resolve),
            "https://data.example.com/in.txt");

    assertEquals(MeshException.Kind.FAILED_PRECONDITION, e.kind());
    assertEquals("URL_INPUTS_OFF", e.reason());
    assertTrue(e.getMessage().contains("orchestrator.input-url-hosts"), e.getMessage());
  }

  @Test
  void aListedHostWithPublicAddressesIsAllowed() {
    UrlPolicy policy = policy(List.of("data.example.com"), false, false);

    URI uri = policy.parse("https://DATA.example.com/in.txt?v=1");

    assertEquals("data.example.com", UrlPolicy.host(uri));
    assertEquals(1, policy.addresses(uri).size());
  }

  @Test
  void aHostNotListedIsRefusedNamingItAndTheSetting() {
    MeshException e =
        refused(policy(List.of("data.example.com"), false, false), "https://example.com/in.txt");

    assertEquals(MeshException.Kind.PERMISSION_DENIED, e.kind());
    assertEquals("URL_HOST_NOT_ALLOWED", e.reason());
    assertTrue(e.getMessage().contains("example.com"), e.getMessage());
    assertEquals("orchestrator.input-url-hosts", e.metadata().get("setting"));
  }

  @Test
  void aWildcardAllowsTheNamesBelowItsDomainOnly() {
    UrlPolicy policy = policy(List.of("*.example.com"), false, false);

    policy.addresses(policy.parse("https://a.b.example.com/x"));
    assertEquals("URL_HOST_NOT_ALLOWED", refused(policy, "https://example.com/x").reason());
    assertEquals("URL_HOST_NOT_ALLOWED", refused(policy, "https://badexample.com/x").reason());
  }

  @Test
  void anAddressListedMatchesTheSameAddressHoweverItIsWritten() {
    UrlPolicy policy = policy(List.of("2606:4700::1111", "[2606:4700::1001]"), false, false);

    policy.addresses(policy.parse("https://[2606:4700:0:0::1111]/x"));
    policy.addresses(policy.parse("https://[2606:4700::1001]:8443/x"));
  }

  @Test
  void everyAddressTheHostResolvesToIsChecked() {
    MeshException e =
        refused(policy(List.of("split.example.com"), false, false), "https://split.example.com/x");

    assertEquals(MeshException.Kind.PERMISSION_DENIED, e.kind());
    assertEquals("URL_ADDRESS_NOT_ALLOWED", e.reason());
    assertEquals("10.1.2.3", e.metadata().get("address"));
    assertTrue(e.getMessage().contains("split.example.com"), e.getMessage());
    assertTrue(e.getMessage().contains("orchestrator.input-url-allow-private"), e.getMessage());
  }

  @Test
  void literalAndIpv6PrivateAddressesAreRefused() {
    UrlPolicy policy =
        policy(List.of("127.0.0.1", "::1", "169.254.169.254", "inside.example.com"), false, false);

    for (String url :
        List.of(
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest/meta-data/",
            "https://inside.example.com/x")) {
      assertEquals("URL_ADDRESS_NOT_ALLOWED", refused(policy, url).reason(), url);
    }
  }

  @Test
  void privateAddressesPassWhenTheOperatorAllowsThem() {
    UrlPolicy policy = policy(List.of("split.example.com", "127.0.0.1"), true, false);

    assertEquals(2, policy.addresses(policy.parse("https://split.example.com/x")).size());
    policy.addresses(policy.parse("https://127.0.0.1:8443/x"));
  }

  @Test
  void plainHttpNeedsItsSetting() {
    MeshException e =
        refused(policy(List.of("data.example.com"), false, false), "http://data.example.com/x");
    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals("URL_SCHEME_NOT_ALLOWED", e.reason());
    assertTrue(e.getMessage().contains("orchestrator.input-url-allow-http"), e.getMessage());

    UrlPolicy withHttp = policy(List.of("data.example.com"), false, true);
    withHttp.addresses(withHttp.parse("http://data.example.com/x"));
  }

  @Test
  void s3AndOtherSchemesAreRefusedSayingWhatToDoInstead() {
    UrlPolicy policy = policy(List.of("data.example.com"), false, true);

    MeshException s3 = refused(policy, "s3://bucket/key");
    assertEquals(MeshException.Kind.INVALID_ARGUMENT, s3.kind());
    assertEquals("S3_URL_UNSUPPORTED", s3.reason());
    assertTrue(s3.getMessage().contains("presigned https URL"), s3.getMessage());
    for (String url :
        List.of("ftp://data.example.com/x", "file:///etc/passwd", "data.example.com/x")) {
      assertEquals("URL_SCHEME_NOT_ALLOWED", refused(policy, url).reason(), url);
    }
  }

  @Test
  void malformedUrlsCredentialsAndUnknownHostsAreRefused() {
    UrlPolicy policy = policy(List.of("data.example.com", "nowhere.example.com"), false, false);

    assertEquals("INVALID_FIELD", refused(policy, "https://data.example.com/a b").reason());
    assertEquals("INVALID_FIELD", refused(policy, "https:///x").reason());
    assertEquals("INVALID_FIELD", refused(policy, "https://u:p@data.example.com/x").reason());
    assertEquals("URL_HOST_UNKNOWN", refused(policy, "https://nowhere.example.com/x").reason());
  }
}
