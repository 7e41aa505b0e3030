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

  @Test
  void aUserListsItsOwnJobsAndAnOperatorEveryonesPageByPage() {
    core.executor("a");
    JobCoordinator coordinator = core.start();
    String first =
        coordinator.submit(
            job("first", "alpha\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    await(coordinator, first);
    String second =
        coordinator.submit(
            job("second", "beta\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    await(coordinator, second);
    Caller stranger = Caller.of("did:key:z6MkSomeoneElse");
    core.ledger.grant(stranger.did(), 1_000_000);
    String theirs =
        coordinator.submit(
            job("theirs", "gamma\n").module(JobCore.WITHOUT_MERGE).manifest(), stranger);
    coordinator.queries().result(theirs, Duration.ofSeconds(30), stranger);
    JobQueries queries = coordinator.queries();

    JobPage mine = queries.list(SUBMITTER, 0, "");
    assertEquals(
        java.util.Set.of(first, second),
        java.util.Set.copyOf(mine.jobs().stream().map(JobStatus::jobId).toList()));
    assertEquals("", mine.nextPageToken());
    assertEquals(
        List.of(theirs),
        queries.list(stranger, 0, "").jobs().stream().map(JobStatus::jobId).toList());

    Caller operator = Caller.of("did:key:z6MkAnOperator", Role.OPERATOR);
    JobPage page = queries.list(operator, 2, "");
    assertEquals(2, page.jobs().size());
    JobPage rest = queries.list(operator, 2, page.nextPageToken());
    assertEquals(1, rest.jobs().size());
    assertEquals("", rest.nextPageToken());
    assertEquals(
        java.util.Set.of(first, second, theirs),
        java.util.Set.of(
            page.jobs().get(0).jobId(), page.jobs().get(1).jobId(), rest.jobs().get(0).jobId()));
    assertEquals(JobState.COMPLETED, rest.jobs().get(0).state());

    assertEquals(
        "PAGE_SIZE_OUT_OF_RANGE",
        assertThrows(MeshException.class, () -> queries.list(SUBMITTER, 1001, "")).reason());
    assertEquals(
        "BAD_PAGE_TOKEN",
        assertThrows(MeshException.class, () -> queries.list(SUBMITTER, 0, "not a token!"))
            .reason());
  }
}
