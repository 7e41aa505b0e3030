package io.meshwork.receiptlog.store;

import java.util.List;

/**
 * The executors one orchestrator vouches for, at the version it last sent: what a restarted log
 * needs to keep taking their receipts.
 *
 * @param orchestratorDid the orchestrator whose list this is
 * @param version the orchestrator's version of the list; a higher one replaces it
 * @param members one period per executor
 */
public record MemberList(String orchestratorDid, long version, List<MemberPeriod> members) {
  /** Copies the members, so a list once made does not change. */
  public MemberList {
    members = List.copyOf(members);
  }
}
