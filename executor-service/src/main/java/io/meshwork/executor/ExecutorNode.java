package io.meshwork.executor;

import io.grpc.BindableService;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.executor.grpc.ExecutorGrpcService;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.work.Bidder;
import io.meshwork.executor.work.GrpcOrchestratorLink;
import io.meshwork.executor.work.OrchestratorLink;
import io.meshwork.executor.work.PricingRule;
import io.meshwork.executor.work.TaskRunner;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.config.Settings;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.WasmEngine;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The executor deployable: a Chicory sandbox behind a bounded task runner, a bidder, and the
 * ExecutorService adapter.
 *
 * <p>Settings: {@code executor.task-slots} (cores), {@code executor.queue-limit} (4 x slots),
 * {@code executor.max-memory-bytes} (256 MiB), {@code executor.max-module-bytes} (16 MiB), {@code
 * executor.max-input-bytes} (64 MiB), {@code executor.module-cache-size} (64), and the pricing keys
 * of {@link PricingRule}.
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
    Settings s = ctx.settings();
    int slots = s.integer("executor.task-slots", Runtime.getRuntime().availableProcessors());
    long maxMemory = s.longValue("executor.max-memory-bytes", 256L << 20);
    WasmEngine engine =
        alterations
            .engine()
            .apply(
                WasmEngine.chicory(s.longValue("executor.max-module-bytes", 16L << 20), maxMemory));
    TaskRunner runner =
        new TaskRunner(
            engine,
            new ModuleCache(s.integer("executor.module-cache-size", 64)),
            ctx.identity(),
            alterations.link().apply(new GrpcOrchestratorLink(ctx::channel, ctx.credentials())),
            ctx.clock(),
            slots,
            s.integer("executor.queue-limit", 4 * slots),
            s.longValue("executor.max-input-bytes", 64L << 20),
            ctx.metrics());
    Bidder bidder =
        new Bidder(runner, PricingRule.from(s), ctx.identity().did(), maxMemory, ctx.clock());
    return new ExecutorNode(
        runner,
        new ExecutorGrpcService(
            bidder,
            runner,
            ctx.identity().did(),
            maxMemory >> 20,
            alterations.answers(),
            alterations.inlineResults()));
  }

  @Override
  public List<BindableService> grpcServices() {
    return List.of(grpc);
  }

  @Override
  public void close() {
    runner.close();
  }
}
