package io.meshwork.ledger.grpc;

import io.meshwork.ledger.core.Hold;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;

/**
 * Who may call the ledger: the roles each RPC of {@code meshwork.ledger.v1.LedgerService} is for
 * ({@link #TABLE}, enforced before any handler runs), and the rules about whose account it is,
 * which the handlers apply. docs/AUTH.md lists both.
 *
 * <p>An orchestrator reads only what concerns the jobs it runs, which the ledger knows from the
 * holds it created: a hold it created, the history of one job of an account it holds mana of for
 * that job, and an account while it has a pending hold on it (with only its own pending holds
 * listed).
 */
public final class LedgerAccess {
  /** The roles allowed per RPC. */
  public static final AccessTable TABLE =
      AccessTable.forService(LedgerServiceGrpc.getServiceDescriptor())
          .servedBy(Role.LEDGER)
          .allow("GetAccount", Role.USER)
          .allow("Mint", Role.OPERATOR)
          .allow("CreateHold", Role.ORCHESTRATOR)
          .allow("PostHold", Role.ORCHESTRATOR)
          .allow("VoidHold", Role.ORCHESTRATOR)
          .allow("ExtendHold", Role.ORCHESTRATOR)
          .allow("GetHold", Role.USER)
          .allow("ListHistory", Role.USER)
          .allow("Transfer", Role.USER)
          .allow("Submit", Role.ORCHESTRATOR)
          .build();

  private final ManaLedger ledger;

  LedgerAccess(ManaLedger ledger) {
    this.ledger = ledger;
  }

  /** Whether the caller sees the whole of {@code did}'s account, every pending hold included. */
  static boolean ownsOrOperates(Caller caller, String did) {
    return caller.did().equals(did) || caller.is(Role.OPERATOR);
  }

  /**
   * Refuses to show {@code did}'s account to anyone but its owner, an operator, and an orchestrator
   * that has a pending hold on it.
   */
  void requireAccountReader(Caller caller, String did) {
    if (!ownsOrOperates(caller, did)
        && !(caller.is(Role.ORCHESTRATOR) && ledger.holdExists(did, caller.did(), "", true))) {
      throw caller.notOwner(did, "the account");
    }
  }

  /** Refuses to show {@code hold} to anyone but its payer, an operator, and its creator. */
  void requireHoldReader(Caller caller, Hold hold) {
    if (!ownsOrOperates(caller, hold.payerDid())
        && !(caller.is(Role.ORCHESTRATOR) && caller.did().equals(hold.creatorDid()))) {
      throw caller.notOwner(hold.payerDid(), "the hold " + hold.holdId());
    }
  }

  /**
   * Refuses to show {@code did}'s history to anyone but its owner and an operator, or, for one job
   * ({@code jobId} not empty), the orchestrator that created a hold on the account for that job.
   */
  void requireHistoryReader(Caller caller, String did, String jobId) {
    if (ownsOrOperates(caller, did)) {
      return;
    }
    if (caller.is(Role.ORCHESTRATOR)
        && !jobId.isEmpty()
        && ledger.holdExists(did, caller.did(), jobId, false)) {
      return;
    }
    throw caller.notOwner(
        did, jobId.isEmpty() ? "the account's history" : "the history of job " + jobId);
  }

  /** Refuses a transfer out of {@code fromDid} unless the caller owns it or is an operator. */
  static void requireDebitor(Caller caller, String fromDid) {
    if (!ownsOrOperates(caller, fromDid)) {
      throw caller.notOwner(fromDid, "the account debited");
    }
  }
}
