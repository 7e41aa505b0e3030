package io.meshwork.orchestrator.inputs;

import io.meshwork.runtime.errors.MeshException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which URLs the orchestrator fetches inputs from: https (http only where the operator allows it),
 * a host on the operator's list, and a host whose every address is public (unless the operator
 * allows private ones). Each refusal names the host or address and the setting that decides it.
 */
final class UrlPolicy {
  private static final String HOSTS_KEY = UrlInputSettings.HOSTS.key();
  private static final String PRIVATE_KEY = UrlInputSettings.ALLOW_PRIVATE.key();
  private static final String HTTP_KEY = UrlInputSettings.ALLOW_HTTP.key();

  private static final Pattern IP_LITERAL =
      Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-f:.]*:[0-9a-f:.]*");

  /** Resolves a host name to its addresses: DNS in production, a table in tests. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final UrlInputFetcher.Options options;
  private final Resolver resolver;

  UrlPolicy(UrlInputFetcher.Options options, Resolver resolver) {
    this.options = options;
    this.resolver = resolver;
  }

  /**
   * {@code url} as the fetch reads it, if its form, its scheme and its host are allowed. What the
   * host resolves to is {@link #addresses}'s to check.
   *
   * @throws MeshException FAILED_PRECONDITION when no host is allowed at all; INVALID_ARGUMENT for
   *     a malformed URL or a scheme not allowed; PERMISSION_DENIED for a host not on the list
   */
  URI parse(String url) {
    if (options.hosts().isEmpty()) {
      throw MeshException.failedPrecondition(
              "URL_INPUTS_OFF",
              "input_url is refused: this orchestrator fetches no URLs ("
                  + HOSTS_KEY
                  + " is empty); upload the input and name it in input_cid")
          .with("field", "input_url")
          .with("setting", HOSTS_KEY);
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw invalid("INVALID_FIELD", "input_url is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("s3")) {
      // Reading a bucket would take the operator's S3 credentials, which would then read any
      // object they can reach on behalf of anyone who submits a job.
      throw invalid(
          "S3_URL_UNSUPPORTED",
          "input_url "
              + url
              + " is refused: this orchestrator does not read S3 buckets; upload the object as a"
              + " blob and name it in input_cid, or name a presigned https URL of it");
    }
    if (scheme.equals("http") && !options.allowHttp()) {
      throw invalid(
              "URL_SCHEME_NOT_ALLOWED",
              "input_url "
                  + url
                  + " is refused: plain http is fetched only with "
                  + HTTP_KEY
                  + "=true; use https")
          .with("setting", HTTP_KEY);
    }
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw invalid(
          "URL_SCHEME_NOT_ALLOWED",
          "input_url must be an https:// URL, not '"
              + (scheme.isEmpty() ? url : scheme + ":")
              + "'");
    }
    if (uri.isOpaque() || uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalid(
          "INVALID_FIELD",
          "input_url " + url + " names no host (an international name goes in its xn-- form)");
    }
    if (uri.getRawUserInfo() != null) {
      throw invalid(
          "INVALID_FIELD", "input_url carries credentials before its host; the mesh sends none");
    }
    String host = host(uri);
    if (!allowed(host)) {
      throw MeshException.permissionDenied(
              "URL_HOST_NOT_ALLOWED",
              "input_url host " + host + " is not in " + HOSTS_KEY + " " + options.hosts())
          .with("field", "input_url")
          .with("host", host)
          .with("setting", HOSTS_KEY);
    }
    return uri;
  }

  /**
   * Every address {@code uri}'s host resolves to, once each has been found public (or private
   * addresses are allowed). The fetch connects to these and never resolves the name again, so what
   * it connects to is what was checked.
   *
   * @throws MeshException INVALID_ARGUMENT for a host that does not resolve; PERMISSION_DENIED for
   *     one with an address that is not public
   */
  List<InetAddress> addresses(URI uri) {
    String host = host(uri);
    InetAddress[] all;
    try {
      all = resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw invalid("URL_HOST_UNKNOWN", "input_url host " + host + " does not resolve")
          .with("host", host);
    }
    if (all.length == 0) {
      throw invalid("URL_HOST_UNKNOWN", "input_url host " + host + " has no address")
          .with("host", host);
    }
    if (!options.allowPrivate()) {
      for (InetAddress a : all) {
        String address = a.getHostAddress();
        AddressRules.notPublic(a)
            .ifPresent(
                why -> {
                  throw MeshException.permissionDenied(
                          "URL_ADDRESS_NOT_ALLOWED",
                          "input_url host "
                              + host
                              + " resolves to "
                              + address
                              + ", which is not public ("
                              + why
                              + "); this orchestrator fetches from such addresses only with "
                              + PRIVATE_KEY
                              + "=true")
                      .with("field", "input_url")
                      .with("host", host)
                      .with("address", address)
                      .with("setting", PRIVATE_KEY);
                });
      }
    }
    return List.of(all);
  }

  /** The URL's host, lower-case, without the brackets of an IPv6 literal. */
  static String host(URI uri) {
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** Whether {@code host} is an address written out rather than a name. */
  static boolean isLiteral(String host) {
    return IP_LITERAL.matcher(host).matches();
  }

  /**
   * Whether the list allows {@code host}: the same name (letter case aside), a {@code *.domain}
   * entry for a name below that domain, or the same address written out.
   */
  private boolean allowed(String host) {
    for (String entry : options.hosts()) {
      String e = entry.toLowerCase(Locale.ROOT);
      if (e.startsWith("[") && e.endsWith("]")) {
        e = e.substring(1, e.length() - 1);
      }
      if (e.equals(host)
          || (e.startsWith("*.") && host.endsWith(e.substring(1)) && !isLiteral(host))
          || (isLiteral(e) && isLiteral(host) && sameAddress(e, host))) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameAddress(String a, String b) {
    try {
      // Both are literals, which InetAddress parses without asking a resolver.
      return InetAddress.getByName(a).equals(InetAddress.getByName(b));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static MeshException invalid(String reason, String message) {
    return MeshException.invalidArgument(reason, message).with("field", "input_url");
  }
}
