package io.meshwork.runtime.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What a caller is to the service it calls. Every authenticated caller is a {@link #USER}; the
 * other roles come from the service's configuration (docs/AUTH.md lists which service reads which
 * list), and a service is in the role of what it runs.
 */
public enum Role {
  /** Any authenticated caller. */
  USER,
  /** An identity the operator runs the mesh with: mints mana, reads and moves any account. */
  OPERATOR,
  /** An orchestrator this service works for (at the ledger, the receipt log, an executor). */
  ORCHESTRATOR,
  /** An executor that is a member of the mesh (at an orchestrator and the receipt log). */
  EXECUTOR,
  /** The mana ledger. */
  LEDGER,
  /** The receipt log. */
  RECEIPT_LOG,
  /** Another orchestrator that delegates work to this one or takes work from it. */
  PEER;

  /** The role's name in documents and error details: {@code user}, {@code receipt-log}, ... */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The role of {@code wireName}, if there is one. */
  public static Optional<Role> fromWireName(String wireName) {
    return Arrays.stream(values()).filter(r -> r.wireName().equals(wireName)).findFirst();
  }

  @Override
  public String toString() {
    return wireName();
  }
}
