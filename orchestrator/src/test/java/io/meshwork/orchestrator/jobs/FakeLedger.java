package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.errors.MeshException;
import java.util.HashMap;
import java.util.Map;

/**
 * The ledger port in memory, keeping the real ledger's promises that the job core relies on: a
 * request id repeated gets its first outcome without moving mana again, a hold pays out at most
 * what it holds, and what is left goes back to the payer exactly once.
 */
final class FakeLedger implements ManaAccounts {
  private record Hold(String payer, long amount) {}

  private final Map<String, Long> balances = new HashMap<>();
  private final Map<String, Hold> holds = new HashMap<>();
  private final Map<String, Long> paidOut = new HashMap<>();
  private final Map<String, Object> outcomes = new HashMap<>();
  private final Map<String, Integer> paymentsPerTask = new HashMap<>();
  private final java.util.List<String> requestIds = new java.util.ArrayList<>();
  private final java.util.Set<String> expired = new java.util.HashSet<>();
  private int replays;
  private int holdSeq;
  private int extensions;
  private boolean down;

  /** Makes every call fail as an unreachable ledger does (true), or answer again (false). */
  synchronized void down(boolean unreachable) {
    down = unreachable;
  }

  private void reachable() {
    if (down) {
      throw MeshException.unavailable("LEDGER_UNAVAILABLE", "the ledger cannot be reached", null);
    }
  }

  /** Expires a hold as the ledger does past its time: what it has left returns to its payer. */
  synchronized void expire(String holdId) {
    Hold h = holds.remove(holdId);
    balances.merge(h.payer(), h.amount() - paidOut.getOrDefault(holdId, 0L), Long::sum);
    expired.add(holdId);
  }

  /** Extensions the ledger granted. */
  synchronized int extensions() {
    return extensions;
  }

  private void requireOpen(String holdId) {
    if (expired.contains(holdId)) {
      throw MeshException.failedPrecondition("HOLD_EXPIRED", "hold " + holdId + " expired");
    }
  }

  @Override
  public synchronized void extend(String requestId, String holdId, long timeoutMillis) {
    reachable();
    requireOpen(holdId);
    if (!holds.containsKey(holdId)) {
      throw MeshException.failedPrecondition("HOLD_CLOSED", "hold " + holdId + " is closed");
    }
    extensions++;
  }

  /** Gives {@code did} a balance. */
  synchronized void grant(String did, long amount) {
    balances.merge(did, amount, Long::sum);
  }

  synchronized long balance(String did) {
    return balances.getOrDefault(did, 0L);
  }

  /** Every mana unit there is: balances plus what holds still hold. */
  synchronized long total() {
    long held = 0;
    for (Map.Entry<String, Hold> h : holds.entrySet()) {
      held += h.getValue().amount() - paidOut.getOrDefault(h.getKey(), 0L);
    }
    return balances.values().stream().mapToLong(Long::longValue).sum() + held;
  }

  /** How many payments for {@code taskId} moved mana (replays do not). */
  synchronized int paymentsFor(String taskId) {
    return paymentsPerTask.getOrDefault(taskId, 0);
  }

  /** Requests answered from their first outcome. */
  synchronized int replays() {
    return replays;
  }

  /** Every request id that moved mana, in order. */
  synchronized java.util.List<String> requestIds() {
    return java.util.List.copyOf(requestIds);
  }

  /** Holds still open. */
  synchronized int openHolds() {
    return holds.size();
  }

  @Override
  public synchronized String hold(
      String requestId, String payer, long amount, String jobId, long timeoutMillis) {
    reachable();
    if (outcomes.containsKey(requestId)) {
      replays++;
      return (String) outcomes.get(requestId);
    }
    if (balance(payer) < amount) {
      throw MeshException.failedPrecondition(
          "INSUFFICIENT_MANA", payer + " has " + balance(payer) + " mana, the job needs " + amount);
    }
    String holdId = "hold-" + ++holdSeq;
    balances.merge(payer, -amount, Long::sum);
    holds.put(holdId, new Hold(payer, amount));
    outcomes.put(requestId, holdId);
    requestIds.add(requestId);
    return holdId;
  }

  @Override
  public synchronized void pay(
      String requestId, String holdId, String payee, long amount, String taskId) {
    reachable();
    if (outcomes.containsKey(requestId)) {
      replays++;
      return;
    }
    requireOpen(holdId);
    Hold h = holds.get(holdId);
    if (h == null) {
      throw MeshException.failedPrecondition("HOLD_CLOSED", "hold " + holdId + " is closed");
    }
    long paid = paidOut.getOrDefault(holdId, 0L);
    if (paid + amount > h.amount()) {
      throw MeshException.failedPrecondition(
          "HOLD_EXCEEDED", "hold " + holdId + " has " + (h.amount() - paid) + " left");
    }
    paidOut.put(holdId, paid + amount);
    if (paid + amount == h.amount()) {
      // Used up: the real ledger closes the hold (POSTED), and it pays nothing more.
      holds.remove(holdId);
    }
    balances.merge(payee, amount, Long::sum);
    paymentsPerTask.merge(taskId, 1, Integer::sum);
    outcomes.put(requestId, Boolean.TRUE);
    requestIds.add(requestId);
  }

  @Override
  public synchronized long release(String requestId, String holdId, String memo) {
    reachable();
    if (outcomes.containsKey(requestId)) {
      replays++;
      return (Long) outcomes.get(requestId);
    }
    requireOpen(holdId);
    Hold h = holds.remove(holdId);
    if (h == null) {
      throw MeshException.failedPrecondition("HOLD_CLOSED", "hold " + holdId + " is closed");
    }
    long rest = h.amount() - paidOut.getOrDefault(holdId, 0L);
    balances.merge(h.payer(), rest, Long::sum);
    outcomes.put(requestId, rest);
    requestIds.add(requestId);
    return rest;
  }
}
