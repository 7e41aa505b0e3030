/**
 * The orchestrator on Kubernetes, through the fabric8 client: executors discovered from the
 * EndpointSlices of their Service, leader election with a Lease, and the executor Deployment's
 * scale. An adapter: the domain (membership, leadership, scaling) knows none of it.
 */
package io.meshwork.orchestrator.kube;
