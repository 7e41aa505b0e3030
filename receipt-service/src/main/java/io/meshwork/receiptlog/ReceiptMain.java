package io.meshwork.receiptlog;

/** Starts the receipt service as its own process: {@code [--config FILE] [--set key=value ...]}. */
public final class ReceiptMain {
  private ReceiptMain() {}

  /** Runs the receipt service until the process is stopped. */
  public static void main(String[] args) {
    io.meshwork.runtime.ServiceHost.main(
        "receipts", ReceiptSettings.SCHEMA, args, ReceiptService::create);
  }
}
