package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A job is its submitter's: another user, and any party of the mesh that is not an operator, is
 * refused as NOT_OWNER; an operator sees and cancels every job.
 */
class JobOwnershipTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  @Test
  void onlyTheSubmitterAndOperatorsSeeOrCancelAJob() {
    core.executor("a");
    JobCoordinator coordinator = core.start();
    String jobId =
        coordinator.submit(
            job("mine", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    await(coordinator, jobId);

    for (Caller stranger :
        List.of(
            Caller.of("did:key:z6MkSomeoneElse"),
            Caller.of("did:key:z6MkAnExecutor", Role.EXECUTOR),
            Caller.of("did:key:z6MkAPeer", Role.PEER))) {
      MeshException e =
          assertThrows(MeshException.class, () -> coordinator.queries().status(jobId, stranger));
      assertEquals("NOT_OWNER", e.reason());
      assertEquals(SUBMITTER.did(), e.metadata().get("owner"));
      assertEquals(
          "NOT_OWNER",
          assertThrows(
                  MeshException.class,
                  () -> coordinator.queries().result(jobId, Duration.ZERO, stranger))
              .reason());
      assertEquals(
          "NOT_OWNER",
          assertThrows(MeshException.class, () -> coordinator.cancel(jobId, stranger)).reason());
    }

    Caller operator = Caller.of("did:key:z6MkAnOperator", Role.OPERATOR);
    assertEquals(JobState.COMPLETED, coordinator.queries().status(jobId, operator).state());
    assertEquals(
        JobState.COMPLETED,
        coordinator.queries().result(jobId, Duration.ZERO, operator).status().state());
  }
}
