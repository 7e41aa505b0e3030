package io.meshwork.executor;

import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.executor.grpc.ExecutorAccess;
import io.meshwork.executor.grpc.ExecutorGrpcService;
import io.meshwork.executor.membership.JoinOptions;
import io.meshwork.executor.membership.Joiner;
import io.meshwork.executor.membership.MembershipLink;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.work.Bidder;
import io.meshwork.executor.work.ChunkCache;
import io.meshwork.executor.work.GrpcOrchestratorLink;
import io.meshwork.executor.work.ModuleCompiler;
import io.meshwork.executor.work.OrchestratorLink;
import io.meshwork.executor.work.PresignedChunks;
import io.meshwork.executor.work.TaskRunner;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.StartRefusedException;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.auth.Role;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.WasmEngine;
import io.meshwork.wasm.abi.ModuleValidator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The executor deployable: a Chicory sandbox behind a bounded task runner, a bidder, the
 * ExecutorService adapter, and, when it joined an orchestrator ({@code executor.join}), its
 * membership link; and how it drains before it stops.
 *
 * <p>Its settings are declared and parsed in {@link ExecutorSettings}; docs/CONFIGURATION.md lists
 * them.
 */
public final class ExecutorNode implements MeshService {
  private static final Logger LOG = Logger.getLogger(ExecutorNode.class.getName());

  private final TaskRunner runner;
  private final ExecutorGrpcService grpc;
  private final Duration drainTimeout;
  private final Optional<MembershipLink> membership;
  private final Supplier<MemberCapacity> capacity;

  private ExecutorNode(
      TaskRunner runner,
      ExecutorGrpcService grpc,
      Duration drainTimeout,
      Optional<MembershipLink> membership,
      Supplier<MemberCapacity> capacity) {
    this.runner = runner;
    this.grpc = grpc;
    this.drainTimeout = drainTimeout;
    this.membership = membership;
    this.capacity = capacity;
  }

  /**
   * Decorators over the executor's engine, its link to orchestrators (results delivered there), its
   * answers to announcements and the results it answers assignments with inline. The product uses
   * {@link #NONE}; integration tests build misbehaving executors (liars, stallers, crashers,
   * overchargers) by wrapping the real parts, so that what they test is the real executor and the
   * real protocol with one thing altered.
   */
  public record Alterations(
      UnaryOperator<WasmEngine> engine,
      UnaryOperator<OrchestratorLink> link,
      UnaryOperator<AnnounceResponse> answers,
      UnaryOperator<ComputeTaskResult> inlineResults) {
    /** The shipped executor: nothing altered. */
    public static final Alterations NONE =
        new Alterations(
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            UnaryOperator.identity(),
            UnaryOperator.identity());
  }

  /** Builds the executor from its context. */
  public static ExecutorNode create(ServiceContext ctx) {
    return create(ctx, Alterations.NONE);
  }

  /** Builds the executor from its context with its parts passed through {@code alterations}. */
  public static ExecutorNode create(ServiceContext ctx, Alterations alterations) {
    return create(ctx, alterations, Optional.empty());
  }

  /**
   * Builds the executor; with {@code executor.join} set, it becomes a member of that orchestrator:
   * through {@code joined}, the join made before the server started ({@link ExecutorStart}), or
   * else by joining now over the context's channel (an executor with a certificate of its own).
   *
   * @throws StartRefusedException when the orchestrator refuses the join
   */
  public static ExecutorNode create(
      ServiceContext ctx, Alterations alterations, Optional<Joiner.Joined> joined) {
    ExecutorSettings s = ExecutorSettings.from(ctx.settings());
    WasmEngine engine =
        alterations
            .engine()
            .apply(
                WasmEngine.chicory(
                    new ModuleValidator.Limits(
                        s.maxModuleBytes(), s.maxMemoryBytes(), s.maxTableElements())));
    TaskRunner runner =
        new TaskRunner(
            engine,
            new ModuleCompiler(
                engine,
                new ModuleCache(s.moduleCacheSize()),
                s.maxCompiles(),
                s.compileTimeout(),
                ctx.metrics()),
            ctx.identity(),
            alterations.link().apply(new GrpcOrchestratorLink(ctx::channel, ctx.credentials())),
            ChunkCache.open(ctx.dataDir().resolve("chunks"), s.chunkCacheBytes()),
            new PresignedChunks(s.chunkUrlAllowHttp(), ctx.clock()),
            ctx.clock(),
            s.taskSlots(),
            s.queueLimit(),
            s.maxInputBytes(),
            ctx.metrics());
    Bidder bidder =
        new Bidder(runner, s.pricing(), ctx.identity().did(), s.maxMemoryBytes(), ctx.clock());
    long ramMb = s.maxMemoryBytes() >> 20;
    Supplier<MemberCapacity> capacity =
        () ->
            MemberCapacity.newBuilder()
                .setCpuCores(Runtime.getRuntime().availableProcessors())
                .setRamMb(ramMb)
                .setTaskSlots(runner.slots())
                .setRunningTasks(runner.runningTasks())
                .setQueuedTasks(runner.queuedTasks())
                .build();
    Optional<MembershipLink> membership = Optional.empty();
    if (s.joining().isPresent()) {
      try {
        membership = Optional.of(member(ctx, s, engine, runner, capacity, joined));
      } catch (RuntimeException e) {
        runner.close();
        throw e;
      }
    }
    return new ExecutorNode(
        runner,
        new ExecutorGrpcService(
            bidder,
            runner,
            ctx.identity().did(),
            ramMb,
            alterations.answers(),
            alterations.inlineResults()),
        s.drainTimeout(),
        membership,
        capacity);
  }

  /** What it has and is doing now, as its heartbeats report it. */
  public MemberCapacity capacity() {
    return capacity.get();
  }

  /**
   * Makes this executor a member of the orchestrator of {@code executor.join}: joins unless {@code
   * joined} says it has, gives the orchestrator's DID the orchestrator role here (so that its
   * announcements and assignments are allowed), and starts the heartbeats. An orchestrator that
   * asks the member to drain stops the service: it drains, leaves, and the process ends.
   */
  private static MembershipLink member(
      ServiceContext ctx,
      ExecutorSettings s,
      WasmEngine engine,
      TaskRunner runner,
      Supplier<MemberCapacity> capacity,
      Optional<Joiner.Joined> joined) {
    JoinOptions options = s.joining().orElseThrow();
    Joiner joiner =
        new Joiner(
            ctx.identity(),
            options.endpoint(),
            engine.engineName() + " " + engine.engineVersion(),
            ctx.mutualTls());
    MembershipLink.Orchestrator orchestrator =
        new MembershipLink.Orchestrator(
            ctx.channel(options.orchestrator()), ctx.credentials(), joiner, options.orchestrator());
    Joiner.Joined first;
    try {
      first =
          joined.orElseGet(
              () ->
                  joiner.join(
                      orchestrator.channel(),
                      orchestrator.credentials(),
                      options.token(),
                      Optional.empty(),
                      capacity.get()));
    } catch (Joiner.JoinFailedException e) {
      throw new StartRefusedException(
          "the orchestrator at "
              + options.orchestrator()
              + " did not admit this executor: "
              + e.getMessage());
    }
    Consumer<Joiner.Joined> grant = j -> ctx.roles().grant(Role.ORCHESTRATOR, j.orchestratorDid());
    grant.accept(first);
    MembershipLink link =
        new MembershipLink(
            orchestrator,
            first,
            capacity,
            runner::draining,
            options.heartbeatTimeout(),
            grant,
            ctx::requestStop);
    link.start();
    LOG.info(
        () ->
            "member of "
                + options.orchestrator()
                + " ("
                + first.orchestratorDid()
                + (first.response().getRejoined() ? "), rejoined" : "), joined")
                + " as "
                + options.endpoint());
    return link;
  }

  @Override
  public List<GuardedService> grpcServices() {
    return List.of(ExecutorAccess.TABLE.guard(grpc));
  }

  /**
   * Drains the executor (on SIGTERM, or when its orchestrator asks): it declines announcements and
   * refuses assignments as DRAINING, heartbeats say it drains, the tasks it holds, queued ones
   * included, run and deliver their results within {@code executor.drain-timeout-ms}, and then it
   * leaves its orchestrator. The gRPC server still serves meanwhile, so that retried assignments
   * and result reveals are answered.
   */
  @Override
  public void drain() {
    runner.drain();
    boolean drained;
    try {
      drained = runner.awaitIdle(drainTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drained = false;
    }
    if (!drained) {
      LOG.warning(
          "the drain timeout ("
              + drainTimeout.toMillis()
              + " ms) passed with "
              + (runner.runningTasks() + runner.queuedTasks())
              + " tasks unfinished; they are stopped");
    }
    boolean done = drained;
    membership.ifPresent(
        m -> m.leave(done ? "drained" : "drain timeout passed with tasks unfinished"));
  }

  @Override
  public void close() {
    membership.ifPresent(MembershipLink::close);
    runner.close();
  }
}
