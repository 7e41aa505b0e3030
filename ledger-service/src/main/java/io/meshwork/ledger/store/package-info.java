/** Durable implementations of the ledger's storage interface, with their schema migrations. */
package io.meshwork.ledger.store;
