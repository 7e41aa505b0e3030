/** The receipt service: wiring of the receipt log, its store and its gRPC adapter. */
package io.meshwork.receiptlog;
