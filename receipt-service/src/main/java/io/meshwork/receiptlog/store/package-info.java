/** Durable storage of the receipt log's leaves and published checkpoints. */
package io.meshwork.receiptlog.store;
