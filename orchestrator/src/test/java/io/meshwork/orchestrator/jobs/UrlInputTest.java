package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.GRANT;
import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.ExecutorFleet;
import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs whose input is a URL: checked at submission, fetched as the job's first phase (shown as
 * {@code fetching}), journaled so that a resumed job does not fetch again, and then run like a job
 * on a stored blob. The fetching itself is the adapter's (UrlInputFetcherTest); here it is a fake.
 */
class UrlInputTest {
  private static final String URL = "https://data.example.com/words.txt";
  private static final String TEXT = "alpha\nbravo\ncharlie\ndelta\n";

  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  private static String sha256(String text) {
    return HexFormat.of().formatHex(Cid.digest(Cid.of(text.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aUrlInputIsFetchedOnceShownAsFetchingAndRunAsAStoredBlob() throws Exception {
    core.executor("a");
    core.urls.hold = true;
    JobCoordinator coordinator = core.start();
    JobCore.Job job =
        job("fetched", "alpha\n", "bravo\n", "charlie\n", "delta\n")
            .fetchedFrom(core.urls, URL)
            .sha256(sha256(TEXT));
    String jobId = coordinator.submit(job.manifest(), SUBMITTER);

    assertTrue(core.urls.started.await(10, TimeUnit.SECONDS));
    assertEquals(JobState.FETCHING, coordinator.queries().status(jobId, SUBMITTER).state());
    core.urls.release.countDown();
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state(), result.status().errorMessage());
    assertEquals(
        "ALPHA\n|BRAVO\n|CHARLIE\n|DELTA\n", new String(result.result(), StandardCharsets.UTF_8));
    assertEquals(4, result.status().totalChunks());
    assertEquals(1, core.urls.fetches.get());
    String blob = Cid.of(TEXT.getBytes(StandardCharsets.UTF_8));
    assertEquals(Optional.of(blob), core.journal.fetchedInput(jobId));
    // The job used its fetched blob and let go of it when it ended.
    assertTrue(core.blobs.released.contains(jobId));
    assertTrue(core.blobs.uses.isEmpty(), core.blobs.uses.toString());
  }

  @Test
  void aResumedJobTakesItsFetchedInputFromTheJournal() throws Exception {
    core.executor("a");
    core.maxParallelTasks = 1;
    // The first process dies right after journaling its second task; the fetch was journaled
    // before any task ran.
    CrashingProcess first = new CrashingProcess(2);
    JobCoordinator before =
        core.start(
            first.port(JobStore.class, core.journal),
            first.port(ManaAccounts.class, core.ledger),
            first.port(ReceiptLog.class, core.receipts),
            first.port(ExecutorFleet.class, core.fleet),
            // A dead process lets go of no blob either.
            first.port(InputBlobs.class, core.blobs));
    String jobId =
        before.submit(
            job("resumed", "alpha\n", "bravo\n", "charlie\n", "delta\n")
                .fetchedFrom(core.urls, URL)
                .manifest(),
            SUBMITTER);
    first.awaitDeath();
    before.close();
    assertEquals(1, core.urls.fetches.get());

    JobCoordinator after = core.start();
    after.resumeUnfinished();
    JobResult result = await(after, jobId);

    assertEquals(JobState.COMPLETED, result.status().state(), result.status().errorMessage());
    assertEquals(
        "ALPHA\n|BRAVO\n|CHARLIE\n|DELTA\n", new String(result.result(), StandardCharsets.UTF_8));
    assertEquals(1, core.urls.fetches.get(), "the resumed job fetched its input again");
  }

  @Test
  void bytesThatAreNotTheDeclaredSha256FailTheJobNamingBothHashes() {
    core.executor("a");
    JobCoordinator coordinator = core.start();
    String declared = sha256("something else");
    String jobId =
        coordinator.submit(
            job("mismatch", TEXT).fetchedFrom(core.urls, URL).sha256(declared).manifest(),
            SUBMITTER);

    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.FAILED, result.status().state());
    String error = result.status().errorMessage();
    assertTrue(error.contains(declared) && error.contains(sha256(TEXT)), error);
    assertEquals(Optional.empty(), core.journal.fetchedInput(jobId));
    assertTrue(core.receipts.entries().isEmpty());
    assertEquals(0, core.ledger.openHolds());
    assertEquals(GRANT, core.ledger.balance(SUBMITTER.did()));
  }

  @Test
  void aUrlTheOrchestratorMayNotFetchIsRefusedAtSubmitHoldingNothing() {
    JobCoordinator coordinator = core.start();
    core.urls.refused.add(URL);
    JobManifest manifest = job("refused", TEXT).fetchedFrom(core.urls, URL).manifest();

    MeshException e =
        assertThrows(MeshException.class, () -> coordinator.submit(manifest, SUBMITTER));

    assertEquals(MeshException.Kind.PERMISSION_DENIED, e.kind());
    assertEquals("URL_HOST_NOT_ALLOWED", e.reason());
    assertEquals(0, core.ledger.openHolds());
    assertEquals(Optional.empty(), core.journal.find("refused"));
    assertEquals(0, core.urls.fetches.get());
  }

  @Test
  void aFetchedInputTheJobCannotTakeFailsItAsAStoredOneIsRefused() {
    core.executor("a");
    JobCoordinator coordinator = core.start();
    // One byte more than a sandbox of one 64 KiB page holds, for a module that gets it whole.
    String huge = "x".repeat(65_536) + "\n";
    String jobId =
        coordinator.submit(
            job("huge", huge).split("none").memory(65_536).fetchedFrom(core.urls, URL).manifest(),
            SUBMITTER);

    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.FAILED, result.status().state());
    assertTrue(
        result.status().errorMessage().contains("limits.memory_bytes 65536"),
        result.status().errorMessage());
    assertEquals(0, core.ledger.openHolds());
    assertTrue(core.blobs.released.contains(jobId));
  }

  @Test
  void aCancelStopsAFetchInProgress() throws Exception {
    core.urls.hold = true;
    JobCoordinator coordinator = core.start();
    String jobId =
        coordinator.submit(
            job("cancelled", TEXT).fetchedFrom(core.urls, URL).manifest(), SUBMITTER);
    assertTrue(core.urls.started.await(10, TimeUnit.SECONDS));

    assertTrue(coordinator.cancel(jobId, SUBMITTER));

    JobResult result = await(coordinator, jobId);
    assertEquals(JobState.CANCELLED, result.status().state());
    assertEquals(0, core.ledger.openHolds());
  }

  @Test
  void theInputIsGivenExactlyOneWay() {
    JobCoordinator coordinator = core.start();
    JobManifest url = job("one-way", TEXT).fetchedFrom(core.urls, URL).manifest();
    byte[] data = TEXT.getBytes(StandardCharsets.UTF_8);
    String cid = core.blobs.put(SUBMITTER.did(), data);

    for (JobManifest twice :
        List.of(
            withInput(url, data, "", URL, ""),
            withInput(url, new byte[0], cid, URL, ""),
            withInput(url, data, cid, "", ""))) {
      MeshException e =
          assertThrows(MeshException.class, () -> coordinator.submit(twice, SUBMITTER));
      assertEquals("INPUT_TWICE", e.reason());
    }
    for (JobManifest badHash :
        List.of(
            withInput(url, data, "", "", sha256(TEXT)),
            withInput(url, new byte[0], "", URL, "abc"),
            withInput(url, new byte[0], "", URL, "g".repeat(64)))) {
      MeshException e =
          assertThrows(MeshException.class, () -> coordinator.submit(badHash, SUBMITTER));
      assertEquals("INVALID_FIELD", e.reason());
      assertEquals("input_sha256", e.metadata().get("field"));
    }
  }

  private static JobManifest withInput(
      JobManifest m, byte[] data, String cid, String url, String sha256) {
    return new JobManifest(
        m.jobId(),
        m.wasmModule(),
        data,
        cid,
        url,
        sha256,
        m.splitStrategy(),
        m.minChunkSize(),
        m.maxChunkSize(),
        m.verificationMode(),
        m.timeoutSecs(),
        m.retryCount(),
        m.priority(),
        m.redundancy(),
        m.manaBudget(),
        m.operationType(),
        m.operationWeight(),
        m.limits(),
        m.digest(),
        m.chunkPrefix());
  }
}
