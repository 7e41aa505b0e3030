package io.meshwork.orchestrator.tasks;

import io.meshwork.mesh.v1.JobBidV1;
import io.meshwork.orchestrator.mesh.ExecutorHandle;

/** An executor's bid for a task, with the executor that made it. */
public record Bid(ExecutorHandle executor, JobBidV1 offer) {}
