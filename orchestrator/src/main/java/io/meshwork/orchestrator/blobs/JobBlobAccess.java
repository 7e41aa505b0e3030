package io.meshwork.orchestrator.blobs;

import io.meshwork.blob.core.JobAccess;
import io.meshwork.orchestrator.jobs.JobRecord;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.auth.Role;
import java.util.Optional;

/**
 * The orchestrator's answer to the blob store's question of who works on which job: the job's
 * submitter, from the journal; an executor while it holds an unanswered assignment of one of the
 * job's tasks; and this orchestrator itself and the operators, who may read every blob.
 */
public final class JobBlobAccess implements JobAccess {
  private final JobStore jobs;
  private final PendingResults assignments;
  private final MeshRoles roles;
  private final String self;

  /**
   * @param self this orchestrator's DID
   * @param roles the roles of callers at this orchestrator ({@code auth.operators} among them)
   */
  public JobBlobAccess(JobStore jobs, PendingResults assignments, MeshRoles roles, String self) {
    this.jobs = jobs;
    this.assignments = assignments;
    this.roles = roles;
    this.self = self;
  }

  @Override
  public boolean worksOn(String did, String jobId) {
    // The assignments first: they are in memory, and an executor fetching a chunk asks for every
    // chunk, while the submitter is read from the journal.
    return assignments.assignsJob(did, jobId) || submitter(jobId).map(did::equals).orElse(false);
  }

  @Override
  public Optional<String> submitter(String jobId) {
    return jobs.find(jobId).map(JobRecord::submitterDid);
  }

  @Override
  public boolean readsAll(String did) {
    return self.equals(did) || roles.rolesOf(did).contains(Role.OPERATOR);
  }
}
