/**
 * Membership: which executors this orchestrator works with right now. Executors join by a signed
 * handshake and admission, stay by heartbeats, and leave by deregistering; configured executors and
 * the orchestrator's own fallback executor feed the same registry. Domain code: no transport types.
 */
package io.meshwork.orchestrator.membership;
