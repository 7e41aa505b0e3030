/** The executor's work: pricing bids, queueing and running assigned tasks, signing receipts. */
package io.meshwork.executor.work;
