package io.meshwork.orchestrator.jobs;

/**
 * Port: the ledger as the orchestrator uses it: one hold per job, a payment per verified task, and
 * the release of what is left.
 *
 * <p>Every method takes a request id derived from the job and task, so that a retry after a timeout
 * or a restart can never pay twice. Refusals and an unreachable ledger are {@code MeshException}s
 * carrying the ledger's own reason.
 */
public interface ManaAccounts {
  /** Holds {@code amount} of {@code payer}'s mana for {@code jobId}; returns the hold id. */
  String hold(String requestId, String payer, long amount, String jobId, long timeoutMillis);

  /** Pays {@code amount} from the hold to {@code payee} for {@code taskId}. */
  void pay(String requestId, String holdId, String payee, long amount, String taskId);

  /**
   * Keeps the hold open at least {@code timeoutMillis} from now (never shortening it). A closed
   * hold fails with FAILED_PRECONDITION and the ledger's reason ({@code HOLD_EXPIRED} and the
   * like).
   */
  void extend(String requestId, String holdId, long timeoutMillis);

  /** Returns the rest of the hold to its payer and closes it; returns the amount returned. */
  long release(String requestId, String holdId, String memo);
}
