package io.meshwork.executor;

import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.executor.grpc.ExecutorAccess;
import io.meshwork.executor.grpc.ExecutorGrpcService;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.work.Bidder;
import io.meshwork.executor.work.ChunkCache;
import io.meshwork.executor.work.GrpcOrchestratorLink;
import io.meshwork.executor.work.ModuleCompiler;
import io.meshwork.executor.work.OrchestratorLink;
import io.meshwork.executor.work.PresignedChunks;
import io.meshwork.executor.work.TaskRunner;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.WasmEngine;
import io.meshwork.wasm.abi.ModuleValidator;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The executor deployable: a Chicory sandbox behind a bounded task runner, a bidder, and the
 * ExecutorService adapter.
 *
 * <p>Its settings are declared and parsed in {@link ExecutorSettings}; docs/CONFIGURATION.md lists
 * them.
 */
public final class ExecutorNode implements MeshService {
  private final TaskRunner runner;
  private final ExecutorGrpcService grpc;

  private ExecutorNode(TaskRunner runner, ExecutorGrpcService grpc) {
    this.runner = runner;
    this.grpc = grpc;
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
    return new ExecutorNode(
        runner,
        new ExecutorGrpcService(
            bidder,
            runner,
            ctx.identity().did(),
            s.maxMemoryBytes() >> 20,
            alterations.answers(),
            alterations.inlineResults()));
  }

  @Override
  public List<GuardedService> grpcServices() {
    return List.of(ExecutorAccess.TABLE.guard(grpc));
  }

  @Override
  public void close() {
    runner.close();
  }
}
