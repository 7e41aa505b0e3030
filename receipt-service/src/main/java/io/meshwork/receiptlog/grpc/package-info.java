/** The gRPC adapter that serves the receipt log as {@code meshwork.receipt.v1.ReceiptService}. */
package io.meshwork.receiptlog.grpc;
