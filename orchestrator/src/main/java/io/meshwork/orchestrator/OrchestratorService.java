package io.meshwork.orchestrator;

import io.meshwork.blob.BlobService;
import io.meshwork.content.Multihash;
import io.meshwork.orchestrator.blobs.JobBlobAccess;
import io.meshwork.orchestrator.blobs.StoredInputs;
import io.meshwork.orchestrator.blobs.StoredResults;
import io.meshwork.orchestrator.dashboard.Dashboard;
import io.meshwork.orchestrator.grpc.ComputeAccess;
import io.meshwork.orchestrator.grpc.ComputeGrpcService;
import io.meshwork.orchestrator.grpc.MembershipAccess;
import io.meshwork.orchestrator.grpc.MembershipGrpcService;
import io.meshwork.orchestrator.grpc.StandbyGate;
import io.meshwork.orchestrator.inputs.UrlInputFetcher;
import io.meshwork.orchestrator.jobs.CapacityView;
import io.meshwork.orchestrator.jobs.JobCoordinator;
import io.meshwork.orchestrator.jobs.JobRetention;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.kube.KubernetesCluster;
import io.meshwork.orchestrator.leadership.Leadership;
import io.meshwork.orchestrator.membership.JoinTokens;
import io.meshwork.orchestrator.membership.MemberPorts;
import io.meshwork.orchestrator.membership.Membership;
import io.meshwork.orchestrator.membership.MembershipOptions;
import io.meshwork.orchestrator.membership.MembershipStore;
import io.meshwork.orchestrator.mesh.CaCertificateIssuer;
import io.meshwork.orchestrator.mesh.GrpcExecutorFleet;
import io.meshwork.orchestrator.mesh.GrpcManaAccounts;
import io.meshwork.orchestrator.mesh.GrpcPeerOrchestrators;
import io.meshwork.orchestrator.mesh.GrpcReceiptLog;
import io.meshwork.orchestrator.mesh.LocalExecutor;
import io.meshwork.orchestrator.store.JournalStores;
import io.meshwork.orchestrator.tasks.AuditDraw;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.orchestrator.tasks.SelectionPolicy;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.DataDirectoryLock;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.admin.WebApp;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tracing.Spans;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The orchestrator deployable: the job core over its ports (the journal in SQLite or PostgreSQL,
 * and gRPC clients of the ledger, the receipt log, the executors and peer orchestrators), served as
 * ComputeService.
 *
 * <p>Settings are read once, into {@link OrchestratorOptions}; docs/CONFIGURATION.md lists them. On
 * Kubernetes ({@link KubernetesSettings}) it is one of several replicas, and serves only while it
 * leads ({@link OrchestratorReplica}).
 */
public final class OrchestratorService implements MeshService {
  private final JobCoordinator coordinator;
  private final ComputeGrpcService grpc;
  private final JobStore store;
  private final ExecutorService calls;
  private final BlobService blobs;
  private final MemberServices members;
  private final OrchestratorReplica replica;
  private final Optional<WebApp> dashboard;
  private JobRetention retention;

  /** Membership's parts, built and closed together. */
  private record MemberServices(
      Membership membership,
      MembershipGrpcService grpc,
      MembershipStore store,
      LocalExecutor local) {
    void close() {
      membership.close();
      if (local != null) {
        local.close();
      }
      store.close();
    }
  }

  private OrchestratorService(
      JobCoordinator coordinator,
      ComputeGrpcService grpc,
      JobStore store,
      ExecutorService calls,
      BlobService blobs,
      MemberServices members,
      OrchestratorReplica replica,
      Optional<WebApp> dashboard) {
    this.replica = replica;
    this.dashboard = dashboard;
    this.coordinator = coordinator;
    this.grpc = grpc;
    this.store = store;
    this.calls = calls;
    this.blobs = blobs;
    this.members = members;
  }

  /**
   * Builds the orchestrator from its context; once it leads (at once, unless it contends for a
   * Lease), it resumes the jobs its journal left unfinished. A deposed leader exits.
   */
  public static OrchestratorService create(ServiceContext ctx) {
    return create(ctx, OrchestratorReplica::exitDeposed);
  }

  /**
   * Builds the orchestrator as {@link #create(ServiceContext)} does, with what a deposed leader
   * does instead of exiting (tests that run replicas in one process).
   */
  public static OrchestratorService create(ServiceContext ctx, Runnable deposed) {
    OrchestratorOptions options = OrchestratorOptions.from(ctx.settings());
    Optional<KubernetesCluster> cluster =
        KubernetesSettings.options(ctx.settings(), System.getenv()).map(KubernetesCluster::connect);
    JournalStores journals = JournalSettings.journals(ctx.settings(), ctx.dataDir());
    // One orchestrator per data directory, whatever holds its journals: the directory also holds
    // its blob catalog and blobs, and its local executor's files.
    ctx.closeOnStop(DataDirectoryLock.acquire(ctx.dataDir(), "orchestrator"));
    JobStore store = journals.openJobs();
    // Announcements and redundant runs go out in the trace of the task that made them.
    ExecutorService calls = Spans.propagating(Executors.newVirtualThreadPerTaskExecutor());
    Reputation reputation = new Reputation(store, options.reputation(), ctx.clock());
    GrpcReceiptLog receiptLog =
        new GrpcReceiptLog(ctx.channel(options.receipts()), ctx.credentials(), ctx.identity());
    MemberServices members = members(ctx, options, journals, reputation, receiptLog);
    Membership fleet = members.membership();
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
            reputation,
            pending,
            auditDraw(ctx),
            options.placement(),
            ctx.identity().did(),
            ctx::advertisedAddress,
            inputs::presign,
            ctx.clock(),
            calls);
    StoredResults results = new StoredResults(blobs.repository());
    JobCoordinator coordinator =
        new JobCoordinator(
            options.jobs(),
            store,
            new GrpcManaAccounts(ctx.channel(options.ledger()), ctx.credentials()),
            receiptLog,
            inputs,
            results,
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
            blobs,
            members,
            OrchestratorReplica.start(
                ctx, cluster, fleet, coordinator, List.of(store, members.store()), deposed),
            Dashboard.of(ctx, coordinator.queries(), store, fleet, reputation, options.receipts()));
    service.retention =
        new JobRetention(
                RetentionSettings.options(ctx.settings()),
                store,
                results,
                service.replica.leadership()::leads,
                ctx.clock())
            .start();
    return service;
  }

  /**
   * Membership: the registry fed by joins, the configured executors and the local fallback, with
   * its journal, its CA for joiners and the roles it grants.
   */
  private static MemberServices members(
      ServiceContext ctx,
      OrchestratorOptions options,
      JournalStores journals,
      Reputation reputation,
      GrpcReceiptLog receiptLog) {
    MembershipOptions memberOptions = MembershipSettings.options(ctx.settings());
    MembershipStore memberStore = journals.openMembership();
    JoinTokens tokens = new JoinTokens(memberStore, ctx.clock());
    Optional<CertificateAuthority> joinCa = joinCa(ctx.settings());
    // The configured executors keep the role their configuration gives them, whatever happens to
    // a member of the same DID.
    Set<String> configured = Set.copyOf(ctx.settings().get(SharedSettings.AUTH_EXECUTORS));
    MemberPorts.Roles roles =
        new MemberPorts.Roles() {
          @Override
          public void admit(String did) {
            ctx.roles().grant(Role.EXECUTOR, did);
          }

          @Override
          public void dismiss(String did) {
            if (!configured.contains(did)) {
              ctx.roles().revoke(Role.EXECUTOR, did);
            }
          }
        };
    Membership membership =
        new Membership(
            memberOptions,
            memberStore,
            tokens,
            joinCa
                .<MemberPorts.CertificateIssuer>map(CaCertificateIssuer::new)
                .orElse(MemberPorts.CertificateIssuer.NONE),
            roles,
            endpoint ->
                GrpcExecutorFleet.handle(endpoint, ctx.channel(endpoint), ctx.credentials()),
            receiptLog,
            reputation::score,
            ctx.identity().did(),
            ctx.clock());
    membership.addConfigured(options.executors());
    int localSlots = MembershipSettings.localSlots(ctx.settings());
    LocalExecutor local = null;
    if (localSlots > 0) {
      local = LocalExecutor.start(ctx, localSlots, joinCa);
      membership.addLastResort(local.did(), local.endpoint(), local::load);
    }
    return new MemberServices(
        membership,
        new MembershipGrpcService(membership, tokens, memberOptions),
        memberStore,
        local);
  }

  /**
   * The CA that certifies joiners: {@code orchestrator.join-ca}, or the development CA when the
   * orchestrator's own certificate comes from it.
   */
  private static Optional<CertificateAuthority> joinCa(Settings settings) {
    Optional<Path> dir = settings.get(MembershipSettings.JOIN_CA);
    if (dir.isPresent()) {
      try {
        return Optional.of(CertificateAuthority.load(dir.get()));
      } catch (IOException e) {
        throw new SettingsException(
            "cannot read the CA that certifies joining executors from "
                + dir.get()
                + " (orchestrator.join-ca): "
                + e.getMessage());
      }
    }
    if (settings.get(SharedSettings.TLS_PLAINTEXT)
        || settings.get(SharedSettings.TLS_CERT).isPresent()) {
      return Optional.empty();
    }
    // The development CA, made on first use as the service's own TLS makes it.
    return Optional.of(
        CertificateAuthority.loadOrCreate(
            settings
                .get(SharedSettings.TLS_DEV_CA)
                .orElseGet(() -> settings.get(SharedSettings.DATA_DIR).resolve("tls"))));
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
    // A stand-by answers health only.
    Leadership leadership = replica.leadership();
    return List.of(
        StandbyGate.guard(ComputeAccess.TABLE.guard(grpc), leadership),
        StandbyGate.guard(MembershipAccess.TABLE.guard(members.grpc()), leadership),
        StandbyGate.guard(blobs.grpcService(), leadership));
  }

  @Override
  public Optional<WebApp> webApp() {
    return dashboard;
  }

  /** Whether this replica leads (for tests that watch an election). */
  public boolean leads() {
    return replica.leadership().leads();
  }

  /** The membership registry (for tests that watch it). */
  public Membership membership() {
    return members.membership();
  }

  /** Finished jobs' retention (for tests that sweep at once). */
  public JobRetention retention() {
    return retention;
  }

  /** The blob store this orchestrator serves (for tests that drive it directly). */
  public BlobService blobs() {
    return blobs;
  }

  @Override
  public void close() {
    // First: a leader that stops hands the Lease over, and no discovery or scaling outlives it.
    replica.close();
    retention.close();
    members.close();
    blobs.close();
    coordinator.close();
    calls.shutdownNow();
    store.close();
  }
}
