package io.meshwork.orchestrator.inputs;

import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The orchestrator's keys for inputs named by URL ({@code orchestrator.input-url-*}), declared with
 * their types, defaults and meanings; {@code OrchestratorSettings.KEYS} lists them with the rest.
 */
public final class UrlInputSettings {
  // A host name (letters, digits, '-' in dot-separated labels), optionally below "*.", an IPv4
  // address, or an IPv6 address with or without its brackets.
  private static final Pattern HOST_ENTRY =
      Pattern.compile(
          "(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]?");

  /** The hosts a job's input_url may name. */
  public static final Setting<List<String>> HOSTS =
      Setting.list(
              "orchestrator.input-url-hosts",
              "The hosts a job's input_url may name: host names, *.domain for every name below a"
                  + " domain, or IP addresses. Empty refuses every URL input.")
          .check(
              hosts -> hosts.stream().allMatch(h -> HOST_ENTRY.matcher(h).matches()),
              "host names, *.domain entries or IP addresses");

  /** Whether a URL input's host may resolve to an address that is not public. */
  public static final Setting<Boolean> ALLOW_PRIVATE =
      Setting.flag(
          "orchestrator.input-url-allow-private",
          false,
          "Whether an input_url's host may resolve to an address that is not public: loopback,"
              + " link-local, private, unique-local, shared (100.64.0.0/10), multicast or"
              + " reserved. Off, such a URL is refused, whatever the host list says.");

  /** Whether plain http URLs are fetched. */
  public static final Setting<Boolean> ALLOW_HTTP =
      Setting.flag(
          "orchestrator.input-url-allow-http",
          false,
          "Whether an input_url may be plain http:// besides https://.");

  /** How long a URL input's connection may wait. */
  public static final Setting<Duration> TIMEOUT =
      Setting.millis(
              "orchestrator.input-url-timeout-ms",
              30_000,
              "How long connecting to an input_url's host, and then each wait for more of its"
                  + " bytes, may take; the job's timeout bounds the whole fetch.")
          .between(Duration.ofMillis(1), Duration.ofMillis(Integer.MAX_VALUE));

  private UrlInputSettings() {}

  /** The fetcher's options, as {@code s} sets them. */
  public static UrlInputFetcher.Options options(Settings s) {
    return new UrlInputFetcher.Options(
        s.get(HOSTS), s.get(ALLOW_PRIVATE), s.get(ALLOW_HTTP), s.get(TIMEOUT));
  }
}
