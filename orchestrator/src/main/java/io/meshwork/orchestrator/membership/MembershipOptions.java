package io.meshwork.orchestrator.membership;

import java.time.Duration;
import java.util.Set;

/**
 * Membership's settings, parsed once (OrchestratorSettings declares the keys).
 *
 * @param heartbeatInterval how often members send a heartbeat
 * @param suspectAfterBeats how many intervals without one make a member suspect
 * @param lostAfter how long without one makes it lost (its tasks are taken back)
 * @param tokenValidity a join token's validity when its creator names none
 * @param maxTokenValidity the longest a join token may be valid
 */
public record MembershipOptions(
    Admission.Policy admission,
    Set<String> allowList,
    Duration heartbeatInterval,
    int suspectAfterBeats,
    Duration lostAfter,
    Duration tokenValidity,
    Duration maxTokenValidity) {
  /** The defaults: token admission, a heartbeat a second, suspect after 3, lost after 5 s. */
  public static MembershipOptions defaults() {
    return new MembershipOptions(
        Admission.Policy.TOKEN,
        Set.of(),
        Duration.ofSeconds(1),
        3,
        Duration.ofSeconds(5),
        Duration.ofHours(1),
        Duration.ofDays(30));
  }

  /** The same with {@code policy}. */
  public MembershipOptions withAdmission(Admission.Policy policy, Set<String> allowed) {
    return new MembershipOptions(
        policy,
        allowed,
        heartbeatInterval,
        suspectAfterBeats,
        lostAfter,
        tokenValidity,
        maxTokenValidity);
  }

  /** Silence after which a member is suspect. */
  public Duration suspectAfter() {
    return heartbeatInterval.multipliedBy(suspectAfterBeats);
  }
}
