/** The durable job journal. */
package io.meshwork.orchestrator.store;
