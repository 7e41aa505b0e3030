/**
 * Sizing the executor fleet from the backlog: how many executors the work waiting here needs, and
 * the loop that asks the platform (Kubernetes, through a port) for that many.
 */
package io.meshwork.orchestrator.scaling;
