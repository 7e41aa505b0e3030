/**
 * Job inputs named by URL: which URLs and addresses the orchestrator may fetch, and the fetch
 * itself, streamed into the blob store.
 */
package io.meshwork.orchestrator.inputs;
