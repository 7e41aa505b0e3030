package io.meshwork.orchestrator;

import io.meshwork.blob.BlobService;
import io.meshwork.content.Multihash;
import io.meshwork.orchestrator.blobs.JobBlobAccess;
import io.meshwork.orchestrator.blobs.StoredInputs;
import io.meshwork.orchestrator.blobs.StoredResults;
import io.meshwork.orchestrator.grpc.ComputeAccess;
import io.meshwork.orchestrator.grpc.ComputeGrpcService;
import io.meshwork.orchestrator.inputs.UrlInputFetcher;
import io.meshwork.orchestrator.jobs.CapacityView;
import io.meshwork.orchestrator.jobs.JobCoordinator;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.mesh.GrpcExecutorFleet;
import io.meshwork.orchestrator.mesh.GrpcManaAccounts;
import io.meshwork.orchestrator.mesh.GrpcPeerOrchestrators;
import io.meshwork.orchestrator.mesh.GrpcReceiptLog;
import io.meshwork.orchestrator.store.SqliteJobStore;
import io.meshwork.orchestrator.tasks.AuditDraw;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.orchestrator.tasks.SelectionPolicy;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.auth.GuardedService;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The orchestrator deployable: the job core over its ports (the SQLite journal, and gRPC clients of
 * the ledger, the receipt log, the executors and peer orchestrators), served as ComputeService.
 *
 * <p>Settings are read once, into {@link OrchestratorOptions}; docs/CONFIGURATION.md lists them.
 */
public final class OrchestratorService implements MeshService {
  private final JobCoordinator coordinator;
  private final ComputeGrpcService grpc;
  private final JobStore store;
  private final ExecutorService calls;
  private final BlobService blobs;

  private OrchestratorService(
      JobCoordinator coordinator,
      ComputeGrpcService grpc,
      JobStore store,
      ExecutorService calls,
      BlobService blobs) {
    this.coordinator = coordinator;
    this.grpc = grpc;
    this.store = store;
    this.calls = calls;
    this.blobs = blobs;
  }

  /** Builds the orchestrator from its context and resumes the jobs its journal left unfinished. */
  public static OrchestratorService create(ServiceContext ctx) {
    OrchestratorOptions options = OrchestratorOptions.from(ctx.settings());
    JobStore store = new SqliteJobStore(ctx.dataDir().resolve("orchestrator.db"));
    ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    GrpcExecutorFleet fleet =
        new GrpcExecutorFleet(options.executors(), ctx::channel, ctx.credentials());
    GrpcPeerOrchestrators peers =
        new GrpcPeerOrchestrators(options.peers(), ctx::channel, ctx.credentials());
    PendingResults pending = new PendingResults();
    // The blob store is served on the orchestrator's port; who may read a job's blobs is what
    // the orchestrator knows of its jobs and assignments.
    BlobService blobs =
        BlobService.open(ctx, new JobBlobAccess(store, pending, ctx.roles(), ctx.identity().did()));
    StoredInputs inputs = new StoredInputs(blobs.repository(), ctx.identity().did());
    TaskPipeline pipeline =
        new TaskPipeline(
            fleet,
            peers,
            new SelectionPolicy(options.selection()),
            new Reputation(store, options.reputation(), ctx.clock()),
            pending,
            auditDraw(ctx),
            options.placement(),
            ctx.identity().did(),
            ctx::advertisedAddress,
            inputs::presign,
            ctx.clock(),
            calls);
    JobCoordinator coordinator =
        new JobCoordinator(
            options.jobs(),
            store,
            new GrpcManaAccounts(ctx.channel(options.ledger()), ctx.credentials()),
            new GrpcReceiptLog(ctx.channel(options.receipts()), ctx.credentials()),
            inputs,
            new StoredResults(blobs.repository()),
            new UrlInputFetcher(options.urlInputs(), blobs.repository(), ctx.clock()),
            pipeline,
            peers,
            fleet,
            ctx.identity(),
            ctx.clock(),
            ctx.metrics());
    OrchestratorService service =
        new OrchestratorService(
            coordinator,
            new ComputeGrpcService(coordinator, pending, new CapacityView(fleet)),
            store,
            calls,
            blobs);
    coordinator.resumeUnfinished();
    return service;
  }

  /**
   * The audit draw's key, derived from the orchestrator's identity: a signature (Ed25519 signatures
   * are deterministic) of a fixed label, hashed. Only the holder of the identity key can compute
   * it, and a restart or a replica with the same identity draws the same audits.
   */
  private static AuditDraw auditDraw(ServiceContext ctx) {
    byte[] signature =
        ctx.identity().sign("meshwork audit draw key v1".getBytes(StandardCharsets.US_ASCII));
    return new AuditDraw(Multihash.sha256Digest(signature));
  }

  /** The domain core (for tests that drive it directly). */
  public JobCoordinator coordinator() {
    return coordinator;
  }

  @Override
  public List<GuardedService> grpcServices() {
    return List.of(ComputeAccess.TABLE.guard(grpc), blobs.grpcService());
  }

  /** The blob store this orchestrator serves (for tests that drive it directly). */
  public BlobService blobs() {
    return blobs;
  }

  @Override
  public void close() {
    blobs.close();
    coordinator.close();
    calls.shutdownNow();
    store.close();
  }
}
