/**
 * The Java SDK of the mesh: submit jobs, follow them, fetch their results and read the caller's
 * mana account; an operator also lists the orchestrator's executors, makes join tokens and drains
 * executors.
 *
 * <p>Start with {@link io.meshwork.client.MeshClient#connect(MeshClientOptions)}; describe a job
 * with {@link io.meshwork.client.JobRequest}. Every failed call surfaces as a {@link
 * io.meshwork.client.MeshClientException}.
 */
package io.meshwork.client;
