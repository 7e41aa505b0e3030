package io.meshwork.ledger;

import io.meshwork.runtime.ServiceHost;

/** Starts the ledger service: {@code [--config FILE] [--set key=value ...]}. */
public final class LedgerMain {
  private LedgerMain() {}

  /** Serves the ledger until the process is stopped. */
  public static void main(String[] args) {
    ServiceHost.main("ledger", LedgerSettings.SCHEMA, args, LedgerService::create);
  }
}
