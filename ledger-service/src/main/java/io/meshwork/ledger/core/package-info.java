/**
 * The mana ledger's rules: accounts, two-phase holds, history and the conservation audit, over a
 * storage interface; no gRPC or JDBC here.
 */
package io.meshwork.ledger.core;
