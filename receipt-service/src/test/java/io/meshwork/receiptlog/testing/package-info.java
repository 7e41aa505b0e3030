/** Shared fixtures for the receipt service's tests. */
package io.meshwork.receiptlog.testing;
