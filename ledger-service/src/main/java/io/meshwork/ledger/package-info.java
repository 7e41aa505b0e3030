/** The deployable ledger service: its wiring, expiry sweeper and entry point. */
package io.meshwork.ledger;
