package io.meshwork.ledger.core;

/**
 * One line of an account's history. Every change to an account is an entry, and every operation
 * writes its entries in balanced pairs, so replaying an account's entries gives its balances.
 *
 * @param entryId increasing sequence number, assigned by the store (0 before it is stored)
 * @param did the account the entry belongs to
 * @param kind what happened
 * @param balanceDelta change to the posted balance
 * @param heldDelta change to the held amount
 * @param balanceAfter posted balance after the entry
 * @param heldAfter held amount after the entry
 * @param counterpartyDid the other side (payee for the payer of a post, payer for the payee), or ""
 *     when there is none
 * @param jobId the job concerned, or ""
 * @param holdId the hold concerned, or ""
 * @param taskId the task paid for, or ""
 * @param memo the memo of the operation
 * @param requestId the request that caused the entry, or "" for the ledger's own work (expiry,
 *     development grants)
 * @param at when, epoch milliseconds
 */
public record HistoryEntry(
    long entryId,
    String did,
    EntryKind kind,
    long balanceDelta,
    long heldDelta,
    long balanceAfter,
    long heldAfter,
    String counterpartyDid,
    String jobId,
    String holdId,
    String taskId,
    String memo,
    String requestId,
    long at) {}
