/**
 * The canonical byte encoding, signing and checking of execution receipts, and signed log
 * checkpoints.
 */
package io.meshwork.receipt.format;
