/**
 * Which orchestrator replica leads: a stand-by refuses work, naming the leader; the replica that
 * takes over fences the shared journal at its epoch before it works, and a deposed one stops.
 */
package io.meshwork.orchestrator.leadership;
