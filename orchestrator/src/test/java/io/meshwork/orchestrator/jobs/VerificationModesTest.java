package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.trust.Reputation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each verification mode's decision: who is believed, who is paid, who is caught. */
class VerificationModesTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  /** Runs a one-chunk job ("alpha\n", no merge) in {@code mode} and returns it. */
  private JobResult runOneChunk(JobCoordinator coordinator, JobCore.Job job) {
    String jobId = coordinator.submit(job.module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    return await(coordinator, jobId);
  }

  /** Each executor's placement outcomes in the job, by DID. */
  private static Map<String, List<String>> outcomes(JobCoordinator coordinator, String jobId) {
    return coordinator.queries().placements(jobId, SUBMITTER).stream()
        .collect(
            Collectors.groupingBy(
                Placement::winnerDid, Collectors.mapping(Placement::outcome, Collectors.toList())));
  }

  @Test
  void redundantRunsAcceptTheStrictMajorityAndCatchTheOneOutvoted() {
    FakeExecutor liar = core.executor("liar");
    liar.conduct = FakeExecutor.Conduct.LIAR;
    liar.price = 5;
    FakeExecutor h1 = core.executor("h1");
    FakeExecutor h2 = core.executor("h2");
    h2.price = 11;
    JobCoordinator coordinator = core.start();

    JobResult result =
        runOneChunk(coordinator, job("majority", "alpha\n").verification("redundant").retries(0));

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("alpha\n".toUpperCase(), new String(result.result(), StandardCharsets.UTF_8));
    Map<String, List<String>> outcomes = outcomes(coordinator, "majority");
    assertTrue(
        outcomes.get(liar.did).get(0).startsWith("caught: committed to"), outcomes.toString());
    assertTrue(outcomes.get(h1.did).get(0).startsWith("agreed with the majority (2 of 3"));
    assertTrue(outcomes.get(h2.did).get(0).startsWith("agreed with the majority (2 of 3"));
    // Both in the majority are paid, each under its own receipt; the liar gets nothing.
    assertEquals(2, core.ledger.paymentsFor("majority:0"));
    assertEquals(10, core.ledger.balance(h1.did));
    assertEquals(11, core.ledger.balance(h2.did));
    assertEquals(0, core.ledger.balance(liar.did));
    assertEquals(2, result.receipts().size());
    assertEquals(1, core.journal.executor(liar.did).caught());
    assertEquals(1, core.journal.executor(h1.did).verified());
  }

  @Test
  void redundantRunsWithoutAStrictMajorityFailTheTaskAndPayNobody() {
    for (String name : List.of("l1", "l2", "l3")) {
      core.executor(name).conduct = FakeExecutor.Conduct.LIAR;
    }
    JobCoordinator coordinator = core.start();

    JobResult result =
        runOneChunk(coordinator, job("split-vote", "alpha\n").verification("redundant").retries(0));

    assertEquals(JobState.FAILED, result.status().state());
    assertTrue(
        result.status().errorMessage().contains("found no strict majority in 1 rounds"),
        result.status().errorMessage());
    assertEquals(0, core.ledger.paymentsFor("split-vote:0"));
    assertEquals(1_000, result.status().manaRefunded());
    for (List<String> runs : outcomes(coordinator, "split-vote").values()) {
      assertTrue(runs.get(0).startsWith("no strict majority among 3 results"), runs.toString());
    }
    assertTrue(core.receipts.entries().isEmpty(), "nothing unaccepted is anchored");
  }

  @Test
  void anAuditThatAgreesPaysBothRunsAndRaisesBothRecords() {
    core.reputation =
        new Reputation.Options(0.2, 2.0, 0.5, 1.0, 20.0, java.time.Duration.ofMinutes(1));
    FakeExecutor primary = core.executor("primary");
    primary.price = 5;
    FakeExecutor auditor = core.executor("auditor");
    JobCoordinator coordinator = core.start();

    JobResult result = runOneChunk(coordinator, job("audited", "alpha\n").verification("sample"));

    assertEquals(JobState.COMPLETED, result.status().state());
    Map<String, List<String>> outcomes = outcomes(coordinator, "audited");
    assertEquals(
        List.of("audited: an independent run returned the same result; paid"),
        outcomes.get(primary.did));
    assertEquals(List.of("audit agreed with the primary; paid"), outcomes.get(auditor.did));
    assertEquals(2, core.ledger.paymentsFor("audited:0"));
    assertEquals(1, core.journal.executor(primary.did).verified());
    assertEquals(1, core.journal.executor(auditor.did).verified());
  }

  @Test
  void anAuditThatDisagreesIsSettledByATieBreakAndCatchesTheLiar() {
    core.reputation =
        new Reputation.Options(0.2, 2.0, 0.5, 1.0, 20.0, java.time.Duration.ofMinutes(1));
    FakeExecutor liar = core.executor("liar");
    liar.conduct = FakeExecutor.Conduct.LIAR;
    liar.price = 1;
    FakeExecutor h1 = core.executor("h1");
    FakeExecutor h2 = core.executor("h2");
    h2.price = 11;
    JobCoordinator coordinator = core.start();

    JobResult result = runOneChunk(coordinator, job("disputed", "alpha\n").verification("sample"));

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("ALPHA\n", new String(result.result(), StandardCharsets.UTF_8));
    Map<String, List<String>> outcomes = outcomes(coordinator, "disputed");
    assertTrue(
        outcomes.get(liar.did).get(0).startsWith("caught by the audit: returned"),
        outcomes.toString());
    assertEquals(List.of("agreed with the majority of 3 runs; paid"), outcomes.get(h1.did));
    assertEquals(List.of("agreed with the majority of 3 runs; paid"), outcomes.get(h2.did));
    assertEquals(0, core.ledger.balance(liar.did));
    assertEquals(2, core.ledger.paymentsFor("disputed:0"));
    assertEquals(1, core.journal.executor(liar.did).caught());
  }

  @Test
  void aResultNotDrawnForAnAuditIsAcceptedAsReturned() {
    core.reputation =
        new Reputation.Options(0.2, 2.0, 0.5, 0.0, 20.0, java.time.Duration.ofMinutes(1));
    FakeExecutor only = core.executor("only");
    JobCoordinator coordinator = core.start();

    JobResult result = runOneChunk(coordinator, job("undrawn", "alpha\n").verification("sample"));

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals(
        List.of("accepted: hash verified, not drawn for an audit (rate 0.000)"),
        outcomes(coordinator, "undrawn").get(only.did));
    assertEquals(1, core.ledger.paymentsFor("undrawn:0"));
  }
}
