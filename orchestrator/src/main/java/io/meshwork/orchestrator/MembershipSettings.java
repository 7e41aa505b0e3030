package io.meshwork.orchestrator;

import io.meshwork.identity.DidKey;
import io.meshwork.orchestrator.membership.Admission;
import io.meshwork.orchestrator.membership.MembershipOptions;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The orchestrator's keys for membership (docs/MEMBERSHIP.md): admission, heartbeat timings, the CA
 * that certifies joiners, and the local fallback executor; parsed once by {@link #options} and
 * {@link #localSlots}.
 */
public final class MembershipSettings {
  // A token is a bearer secret: one that outlives a month is better made again.
  private static final Duration MAX_TOKEN_VALIDITY = Duration.ofDays(30);

  /** Who may join. */
  public static final Setting<Optional<String>> ADMISSION =
      Setting.optionalString(
          "orchestrator.admission",
          "open with mesh.dev-mode, else token",
          "Who may join as an executor: open (anyone; development only), allow-list (the DIDs of"
              + " orchestrator.admission-allow) or token (a join token from meshwork join-token"
              + " create).");

  /** The allow-list. */
  public static final Setting<List<String>> ADMISSION_ALLOW =
      Setting.list(
          "orchestrator.admission-allow",
          "The executor DIDs that may join when orchestrator.admission is allow-list.");

  /** Heartbeat interval. */
  public static final Setting<Duration> HEARTBEAT_INTERVAL =
      Setting.millis(
              "orchestrator.heartbeat-interval-ms",
              1000,
              "How often a member sends a heartbeat (told to it when it joins).")
          .between(Duration.ofMillis(10), Duration.ofMinutes(1));

  /** Missed heartbeats before suspect. */
  public static final Setting<Integer> SUSPECT_AFTER_BEATS =
      Setting.integer(
              "orchestrator.suspect-after-beats",
              3,
              "A member silent for this many heartbeat intervals is suspect: it gets no new work.")
          .atLeast(1);

  /** Silence before lost. */
  public static final Setting<Duration> LOST_AFTER =
      Setting.millis(
              "orchestrator.lost-after-ms",
              5000,
              "A member silent this long is lost: its running tasks are placed elsewhere at once.")
          .between(Duration.ofMillis(10), Duration.ofHours(1));

  /** Default join token validity. */
  public static final Setting<Duration> JOIN_TOKEN_VALIDITY =
      Setting.millis(
              "orchestrator.join-token-validity-ms",
              3_600_000,
              "How long a join token is valid when its creator names no validity.")
          .between(Duration.ofSeconds(1), MAX_TOKEN_VALIDITY);

  /** The CA that certifies joiners. */
  public static final Setting<Optional<Path>> JOIN_CA =
      Setting.optionalPath(
          "orchestrator.join-ca",
          "the development CA (tls.dev-ca) when the orchestrator uses it, else none",
          "A CA folder (ca.pem and ca.key) from which executors that join get their TLS"
              + " certificates. Without one, joiners must bring their own (tls.cert).");

  /** Local fallback slots. */
  public static final Setting<Optional<String>> LOCAL_SLOTS =
      Setting.optionalString(
          "orchestrator.local-slots",
          "1 with mesh.dev-mode, else 0",
          "Task slots of the orchestrator's own executor, which bids only when no other executor"
              + " does; 0 turns it off.");

  /** Every membership key. */
  public static final List<Setting<?>> KEYS =
      List.of(
          ADMISSION,
          ADMISSION_ALLOW,
          HEARTBEAT_INTERVAL,
          SUSPECT_AFTER_BEATS,
          LOST_AFTER,
          JOIN_TOKEN_VALIDITY,
          JOIN_CA,
          LOCAL_SLOTS);

  private MembershipSettings() {}

  /**
   * Membership's options.
   *
   * @throws SettingsException for an unknown admission policy, an allow-list entry that is no
   *     did:key, or an allow-list policy with an empty list
   */
  public static MembershipOptions options(Settings s) {
    boolean dev = s.get(SharedSettings.MESH_DEV_MODE);
    String policyName = s.get(ADMISSION).orElse(dev ? "open" : "token");
    Admission.Policy policy =
        Admission.Policy.named(policyName)
            .orElseThrow(
                () ->
                    new SettingsException(
                        "setting '"
                            + ADMISSION.key()
                            + "' is '"
                            + policyName
                            + "'; expected open, allow-list or token"));
    Set<String> allowed = new LinkedHashSet<>();
    for (String did : s.get(ADMISSION_ALLOW)) {
      if (!DidKey.isDidKey(did)) {
        throw new SettingsException(
            "setting '" + ADMISSION_ALLOW.key() + "' holds '" + did + "', which is no did:key");
      }
      allowed.add(did);
    }
    if (policy == Admission.Policy.ALLOW_LIST && allowed.isEmpty()) {
      throw new SettingsException(
          "setting '"
              + ADMISSION.key()
              + "' is allow-list but '"
              + ADMISSION_ALLOW.key()
              + "' is empty: no executor could join");
    }
    if (s.get(LOST_AFTER).compareTo(s.get(HEARTBEAT_INTERVAL)) <= 0) {
      throw new SettingsException(
          "setting '"
              + LOST_AFTER.key()
              + "' must be longer than '"
              + HEARTBEAT_INTERVAL.key()
              + "': every member would be lost between two heartbeats");
    }
    return new MembershipOptions(
        policy,
        allowed,
        s.get(HEARTBEAT_INTERVAL),
        s.get(SUSPECT_AFTER_BEATS),
        s.get(LOST_AFTER),
        s.get(JOIN_TOKEN_VALIDITY),
        MAX_TOKEN_VALIDITY);
  }

  /** The local fallback executor's slots: 1 in development, 0 otherwise, unless set. */
  public static int localSlots(Settings s) {
    Optional<String> set = s.get(LOCAL_SLOTS);
    if (set.isEmpty()) {
      return s.get(SharedSettings.MESH_DEV_MODE) ? 1 : 0;
    }
    try {
      int slots = Integer.parseInt(set.get().trim());
      if (slots >= 0 && slots <= 1024) {
        return slots;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new SettingsException(
        "setting '" + LOCAL_SLOTS.key() + "' is '" + set.get() + "'; expected 0 to 1024");
  }
}
