/** Jobs: validation of manifests, their life cycle, splitting, merging and accounting. */
package io.meshwork.orchestrator.jobs;
