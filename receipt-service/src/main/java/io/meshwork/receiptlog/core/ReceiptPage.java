package io.meshwork.receiptlog.core;

import java.util.List;

/**
 * One page of a job's receipts in log order.
 *
 * @param receipts the receipts on this page
 * @param nextPageToken the token for the next page; empty on the last page
 */
public record ReceiptPage(List<StoredReceipt> receipts, String nextPageToken) {}
