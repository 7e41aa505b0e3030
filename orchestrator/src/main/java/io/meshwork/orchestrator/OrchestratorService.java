package io.meshwork.orchestrator;

import io.grpc.BindableService;
import io.meshwork.orchestrator.grpc.ComputeGrpcService;
import io.meshwork.orchestrator.jobs.CapacityView;
import io.meshwork.orchestrator.jobs.JobCoordinator;
import io.meshwork.orchestrator.mesh.GrpcExecutorFleet;
import io.meshwork.orchestrator.mesh.GrpcManaAccounts;
import io.meshwork.orchestrator.mesh.GrpcPeerOrchestrators;
import io.meshwork.orchestrator.mesh.GrpcReceiptAnchor;
import io.meshwork.orchestrator.store.JobStore;
import io.meshwork.orchestrator.store.SqliteJobStore;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.orchestrator.tasks.SelectionPolicy;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.config.Settings;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The orchestrator deployable: the job coordinator over the journal, the ledger, the receipt log,
 * the executors and peer orchestrators named in its settings.
 *
 * <p>Settings: {@code orchestrator.executors} (host:port list), {@code orchestrator.ledger}, {@code
 * orchestrator.receipts}, {@code orchestrator.peers} (host:port list of orchestrators to delegate
 * to), and the scheduling keys documented on {@link TaskPipeline} and in docs/.
 */
public final class OrchestratorService implements MeshService {
  private final JobCoordinator coordinator;
  private final ComputeGrpcService grpc;
  private final JobStore store;
  private final ExecutorService calls;

  private OrchestratorService(
      JobCoordinator coordinator, ComputeGrpcService grpc, JobStore store, ExecutorService calls) {
    this.coordinator = coordinator;
    this.grpc = grpc;
    this.store = store;
    this.calls = calls;
  }

  /** Builds the orchestrator from its context and resumes the jobs its journal left unfinished. */
  public static OrchestratorService create(ServiceContext ctx) {
    Settings s = ctx.settings();
    JobStore store = new SqliteJobStore(ctx.dataDir().resolve("orchestrator.db"));
    ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    GrpcExecutorFleet fleet =
        new GrpcExecutorFleet(s.list("orchestrator.executors"), ctx::channel, ctx.credentials());
    GrpcPeerOrchestrators peers =
        new GrpcPeerOrchestrators(s.list("orchestrator.peers"), ctx::channel, ctx.credentials());
    PendingResults pending = new PendingResults();
    TaskPipeline pipeline =
        new TaskPipeline(
            fleet,
            peers,
            SelectionPolicy.from(s),
            new Reputation(store, s, ctx.clock()),
            pending,
            s,
            ctx.identity().did(),
            ctx::advertisedAddress,
            ctx.clock(),
            calls);
    JobCoordinator coordinator =
        new JobCoordinator(
            s,
            store,
            new GrpcManaAccounts(
                ctx.channel(required(s, "orchestrator.ledger")), ctx.credentials()),
            new GrpcReceiptAnchor(
                ctx.channel(required(s, "orchestrator.receipts")), ctx.credentials()),
            pipeline,
            peers,
            fleet,
            ctx.identity().did(),
            ctx.clock(),
            ctx.metrics());
    OrchestratorService service =
        new OrchestratorService(
            coordinator,
            new ComputeGrpcService(coordinator, pending, new CapacityView(fleet)),
            store,
            calls);
    coordinator.resumeUnfinished();
    return service;
  }

  private static String required(Settings s, String key) {
    return s.find(key)
        .orElseThrow(
            () -> new IllegalArgumentException("configuration key '" + key + "' is required"));
  }

  /** The domain core (for tests that drive it directly). */
  public JobCoordinator coordinator() {
    return coordinator;
  }

  @Override
  public List<BindableService> grpcServices() {
    return List.of(grpc);
  }

  @Override
  public void close() {
    coordinator.close();
    calls.shutdownNow();
    store.close();
  }
}
