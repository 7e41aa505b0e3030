/** Tests that run the receipt service as its own process. */
package io.meshwork.receiptlog.process;
