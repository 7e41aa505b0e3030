package io.meshwork.orchestrator.jobs;

import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.OrchestratorOptions;
import io.meshwork.orchestrator.tasks.AuditDraw;
import io.meshwork.orchestrator.tasks.ExecutorFleet;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.orchestrator.tasks.SelectionPolicy;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.config.MapSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The orchestrator's job core as production wires it, over in-memory fakes at its ports: the
 * executor fleet, the ledger, the receipt log, the journal, the blob store and URL inputs, with a
 * clock that stands still. No gRPC, no processes.
 */
final class JobCore implements AutoCloseable {
  static final Caller SUBMITTER = Caller.of("did:key:z6MkSubmitter");
  static final long GRANT = 100_000;
  static final byte[] WITH_MERGE = read("..", "examples", "wordcount", "wordcount.wasm");
  static final byte[] WITHOUT_MERGE =
      read("..", "wasm-abi", "src", "test", "resources", "modules", "minimal.wasm");

  final ManualClock clock = new ManualClock();
  final MemoryJournal journal = new MemoryJournal();
  final FakeLedger ledger = new FakeLedger();
  final FakeReceiptLog receipts = new FakeReceiptLog();
  final MemoryBlobs blobs = new MemoryBlobs();
  final FakeUrlInputs urls = new FakeUrlInputs(blobs);
  final PendingResults pending = new PendingResults();
  final List<FakeExecutor> executors = new CopyOnWriteArrayList<>();
  final ExecutorFleet fleet = () -> List.<ExecutorHandle>copyOf(executors);
  // The orchestrator's own identity: it names its ledger requests and signs delegated results.
  final Identity self = Identity.generate();
  private final List<AutoCloseable> open = new ArrayList<>();

  int maxParallelTasks = 64;
  int maxChunks = 100_000;
  int maxJobsPerUser = 64;
  int maxDelegationsPerPeer = 64;
  long inlineChunkBytes = 1 << 20;
  long inlineResultBytes = 4 << 20;
  // Peer orchestrators; with any, chunks go to them whenever a job has input at all.
  PeerOrchestrators peers = PeerOrchestrators.none();
  // Timings short enough that nothing in a test waits long: bids come at once from the fakes,
  // so only the pauses between rebroadcasts, the BUSY back-off and the probes are shortened.
  TaskPipeline.Options placement =
      new TaskPipeline.Options(
          Duration.ofMillis(1),
          Duration.ofSeconds(2),
          3,
          2,
          Duration.ofMillis(1),
          Duration.ofMillis(5),
          Duration.ZERO,
          Duration.ofMillis(100),
          Duration.ofSeconds(10),
          64,
          true);
  Reputation.Options reputation = Reputation.Options.defaults();
  // A key of this test's own, as each orchestrator has one nobody else knows.
  final AuditDraw audits = new AuditDraw(new SecureRandom().generateSeed(32));

  JobCore() {
    ledger.grant(SUBMITTER.did(), GRANT);
  }

  /** Adds an executor named {@code name} to the fleet. */
  FakeExecutor executor(String name) {
    FakeExecutor e = new FakeExecutor(name, pending, blobs);
    executors.add(e);
    return e;
  }

  /** A coordinator over the fakes, as OrchestratorService builds one. */
  JobCoordinator start() {
    return start(journal, ledger, receipts, fleet);
  }

  /** A coordinator over the given ports (a test may wrap the fakes). */
  JobCoordinator start(JobStore store, ManaAccounts mana, ReceiptLog log, ExecutorFleet executors) {
    return start(store, mana, log, executors, blobs);
  }

  /** A coordinator over the given ports, the blob store among them. */
  JobCoordinator start(
      JobStore store,
      ManaAccounts mana,
      ReceiptLog log,
      ExecutorFleet executors,
      InputBlobs inputBlobs) {
    return start(store, mana, log, executors, inputBlobs, blobs);
  }

  /** A coordinator over the given ports, the blob store's two sides among them. */
  JobCoordinator start(
      JobStore store,
      ManaAccounts mana,
      ReceiptLog log,
      ExecutorFleet executors,
      InputBlobs inputBlobs,
      ResultBlobs resultBlobs) {
    ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    TaskPipeline pipeline =
        new TaskPipeline(
            executors,
            peers,
            new SelectionPolicy(SelectionPolicy.Weights.defaults()),
            new Reputation(store, reputation, clock),
            pending,
            audits,
            placement,
            self.did(),
            () -> "orchestrator:1",
            inputBlobs::presign,
            clock,
            calls);
    JobCoordinator coordinator =
        new JobCoordinator(
            OrchestratorOptions.from(
                    new MapSettings(
                        Map.of(
                            "orchestrator.ledger",
                            "ledger:1",
                            "orchestrator.receipts",
                            "receipts:1",
                            "orchestrator.max-parallel-tasks",
                            Integer.toString(maxParallelTasks),
                            "orchestrator.max-chunks-per-job",
                            Integer.toString(maxChunks),
                            "orchestrator.max-jobs-per-user",
                            Integer.toString(maxJobsPerUser),
                            "orchestrator.max-delegations-per-peer",
                            Integer.toString(maxDelegationsPerPeer),
                            // The tests' chunks are single short lines.
                            "orchestrator.min-chunk-bytes",
                            "1",
                            "orchestrator.inline-chunk-bytes",
                            Long.toString(inlineChunkBytes),
                            "orchestrator.inline-result-bytes",
                            Long.toString(inlineResultBytes))))
                .jobs(),
            store,
            mana,
            log,
            inputBlobs,
            resultBlobs,
            urls,
            pipeline,
            peers,
            executors,
            self,
            clock,
            ServiceMetrics.none());
    open.add(coordinator);
    open.add(calls::shutdownNow);
    return coordinator;
  }

  /** A job of one chunk per line of {@code lines}, with the module that merges. */
  static Job job(String id, String... lines) {
    return new Job(id, String.join("", lines));
  }

  /** Waits for the job to end and returns its result. */
  static JobResult await(JobCoordinator coordinator, String jobId) {
    JobResult r = coordinator.queries().result(jobId, Duration.ofSeconds(30), SUBMITTER);
    if (!r.status().state().terminal()) {
      throw new AssertionError("job " + jobId + " did not end: " + r.status());
    }
    return r;
  }

  /** A manifest under construction, with the defaults the tests share. */
  static final class Job {
    private final String id;
    private final String input;
    private byte[] module = WITH_MERGE;
    private String verification = "";
    private String priority = "";
    private int retries = 2;
    private int redundancy;
    private long budget = 1_000;
    private String split = "lines";
    private long memory;
    private MemoryBlobs store;
    private String url = "";
    private String sha256 = "";
    private String prefix = "";

    private Job(String id, String input) {
      this.id = id;
      this.input = input;
    }

    Job module(byte[] m) {
      this.module = m;
      return this;
    }

    Job verification(String mode) {
      this.verification = mode;
      return this;
    }

    Job priority(String p) {
      this.priority = p;
      return this;
    }

    Job retries(int n) {
      this.retries = n;
      return this;
    }

    Job redundancy(int n) {
      this.redundancy = n;
      return this;
    }

    Job budget(long b) {
      this.budget = b;
      return this;
    }

    Job memory(long bytes) {
      this.memory = bytes;
      return this;
    }

    Job split(String strategy) {
      this.split = strategy;
      return this;
    }

    /** The input uploaded to {@code blobs} by the submitter and named by its CID. */
    Job storedIn(MemoryBlobs blobs) {
      this.store = blobs;
      return this;
    }

    /** The input served at {@code url} by {@code urls}, and named by that URL. */
    Job fetchedFrom(FakeUrlInputs urls, String url) {
      urls.pages.put(url, input.getBytes(StandardCharsets.UTF_8));
      this.url = url;
      return this;
    }

    /** The bytes to put before every chunk. */
    Job chunkPrefix(String p) {
      this.prefix = p;
      return this;
    }

    /** The SHA-256 the fetched input must have. */
    Job sha256(String hex) {
      this.sha256 = hex;
      return this;
    }

    JobManifest manifest() {
      boolean inline = store == null && url.isEmpty();
      return new JobManifest(
          id,
          module,
          inline ? input.getBytes(StandardCharsets.UTF_8) : new byte[0],
          store == null ? "" : store.put(SUBMITTER.did(), input.getBytes(StandardCharsets.UTF_8)),
          url,
          sha256,
          split,
          0,
          // Every line of the tests' inputs is at most 8 bytes, so each is a chunk of its own.
          8,
          verification,
          60,
          retries,
          priority,
          redundancy,
          budget,
          "",
          0,
          new Limits(0, memory, 0, 0, 0),
          (id + input + verification + redundancy + prefix).getBytes(StandardCharsets.UTF_8),
          prefix.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static byte[] read(String first, String... more) {
    try {
      return Files.readAllBytes(Path.of(first, more));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }
}
