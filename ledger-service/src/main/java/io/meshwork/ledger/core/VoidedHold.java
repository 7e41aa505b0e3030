package io.meshwork.ledger.core;

/**
 * What a void did.
 *
 * @param hold the hold after the void
 * @param refunded mana the void returned to the payer
 */
public record VoidedHold(Hold hold, long refunded) {}
