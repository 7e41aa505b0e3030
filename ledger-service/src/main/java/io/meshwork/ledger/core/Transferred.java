package io.meshwork.ledger.core;

/**
 * What a transfer did.
 *
 * @param from the debited account after the transfer
 * @param to the credited account after the transfer
 */
public record Transferred(Account from, Account to) {}
