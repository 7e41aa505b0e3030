/** The receipt log itself: verification, batched appends, checkpoints and proofs. */
package io.meshwork.receiptlog.core;
