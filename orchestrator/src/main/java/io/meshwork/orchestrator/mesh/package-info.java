/**
 * The orchestrator's view of the other services (executors, ledger, receipt log) and their gRPC
 * clients.
 */
package io.meshwork.orchestrator.mesh;
