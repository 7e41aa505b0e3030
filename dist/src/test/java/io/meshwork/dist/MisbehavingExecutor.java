package io.meshwork.dist;

import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.work.OrchestratorLink;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.sandbox.CallOutcome;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.FailureKind;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.WasmEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The real executor with one thing altered, for integration tests of how the orchestrator copes
 * with executors that misbehave. Run as its own process: {@code MisbehavingExecutor BEHAVIOURS
 * [--set key=value ...]}, BEHAVIOURS a comma-separated list of:
 *
 * <ul>
 *   <li>{@code honest}: nothing altered;
 *   <li>{@code liar}: every {@code execute} result is wrong, and the receipt is honestly signed
 *       over the wrong bytes, so only comparison with another executor's run can catch it;
 *   <li>{@code cheap}: bids 1 mana, so that a price-driven policy picks it;
 *   <li>{@code free}: bids 0 mana, which would win every ranking were it taken;
 *   <li>{@code huge}: bids 2^63 mana, which a signed 64-bit reading takes for a negative price;
 *   <li>{@code predictor}: lies (as {@code liar} does) on exactly the chunks whose input begins
 *       with {@code L}, which a test marks where a draw it can predict would not audit;
 *   <li>{@code overcharger}: bids 100 times its price and claims a million mana in its results;
 *   <li>{@code staller}: accepts tasks and never finishes them;
 *   <li>{@code crasher}: the process dies (halt, as {@code kill -9} would) when it starts a task;
 *   <li>{@code slow}: waits 1.5 s before each call (a machine much slower than its peers);
 *   <li>{@code impostor=DID}: bids in the name of the executor {@code DID} (it would win with
 *       {@code cheap}), though its certificate names itself;
 *   <li>{@code forger=KEYFILE}: before each of its results is delivered, returns a forged result
 *       for the same assignment as the identity in {@code KEYFILE} (another member executor, which
 *       was not assigned the task), over mutual TLS with that identity's certificate, and writes
 *       each verdict to {@code DATA-DIR/forgeries.log} (results answered inline are not forged: run
 *       the orchestrator with {@code orchestrator.inline-result-ms=0}).
 * </ul>
 *
 * <p>Everything else is the shipped executor: its sandbox, receipts, signatures and protocol.
 */
public final class MisbehavingExecutor {
  private MisbehavingExecutor() {}

  /** Starts the altered executor and serves until the process is stopped. */
  public static void main(String[] args) {
    Set<String> behaviours = Set.copyOf(Arrays.asList(args[0].split(",")));
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    ServiceHost.main(
        "executor",
        ExecutorSettings.SCHEMA,
        rest,
        ctx -> {
          ExecutorNode.Alterations base = alterations(behaviours);
          ExecutorNode.Alterations altered = base;
          String forgerKey = valueOf(behaviours, "forger");
          if (forgerKey != null) {
            Forger forger =
                new Forger(
                    load(Path.of(forgerKey)),
                    Path.of(setting(rest, "tls.dev-ca")),
                    Path.of(setting(rest, "data-dir")).resolve("forgeries.log"));
            altered =
                new ExecutorNode.Alterations(
                    base.engine(),
                    l -> forger.new Link(base.link().apply(l)),
                    base.answers(),
                    base.inlineResults());
          }
          return ExecutorNode.create(ctx, altered);
        });
  }

  /** The value of a {@code name=value} behaviour, or null. */
  private static String valueOf(Set<String> behaviours, String name) {
    for (String b : behaviours) {
      if (b.startsWith(name + "=")) {
        return b.substring(name.length() + 1);
      }
    }
    return null;
  }

  /** The value of a {@code --set key=value} argument. */
  private static String setting(String[] args, String key) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--set") && args[i + 1].startsWith(key + "=")) {
        return args[i + 1].substring(key.length() + 1);
      }
    }
    throw new IllegalArgumentException("no --set " + key + "=...");
  }

  private static Identity load(Path key) {
    try {
      return Identity.load(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ExecutorNode.Alterations alterations(Set<String> behaviours) {
    UnaryOperator<WasmEngine> engine = e -> e;
    if (behaviours.contains("liar")) {
      engine = engine.andThen(Liar::new)::apply;
    }
    if (behaviours.contains("predictor")) {
      engine = engine.andThen(Predictor::new)::apply;
    }
    if (behaviours.contains("staller")) {
      engine = engine.andThen(Staller::new)::apply;
    }
    if (behaviours.contains("crasher")) {
      engine = engine.andThen(Crasher::new)::apply;
    }
    if (behaviours.contains("slow")) {
      engine = engine.andThen(Slow::new)::apply;
    }
    UnaryOperator<AnnounceResponse> answers = a -> a;
    if (behaviours.contains("cheap")) {
      answers = withPrice(answers, p -> 1);
    }
    if (behaviours.contains("overcharger")) {
      answers = withPrice(answers, p -> p * 100);
    }
    if (behaviours.contains("free")) {
      answers = withPrice(answers, p -> 0);
    }
    if (behaviours.contains("huge")) {
      // 2^63 on the wire's uint64.
      answers = withPrice(answers, p -> Long.MIN_VALUE);
    }
    String impersonated = valueOf(behaviours, "impostor");
    if (impersonated != null) {
      UnaryOperator<AnnounceResponse> before = answers;
      answers =
          a -> {
            AnnounceResponse r = before.apply(a);
            return r.hasBid()
                ? r.toBuilder().setBid(r.getBid().toBuilder().setExecutorDid(impersonated)).build()
                : r;
          };
    }
    UnaryOperator<OrchestratorLink> link = l -> l;
    UnaryOperator<ComputeTaskResult> inline = r -> r;
    if (behaviours.contains("overcharger")) {
      // A result claims a price far above the bid, whichever way it travels.
      link = Overcharging::new;
      inline = Overcharging::claim;
    }
    return new ExecutorNode.Alterations(engine, link, answers, inline);
  }

  private static UnaryOperator<AnnounceResponse> withPrice(
      UnaryOperator<AnnounceResponse> before, java.util.function.LongUnaryOperator price) {
    return a -> {
      AnnounceResponse r = before.apply(a);
      if (!r.hasBid()) {
        return r;
      }
      return r.toBuilder()
          .setBid(r.getBid().toBuilder().setPrice(price.applyAsLong(r.getBid().getPrice())))
          .build();
    };
  }

  /** Delegates everything to the real engine. */
  private abstract static class Altered implements WasmEngine {
    final WasmEngine real;

    Altered(WasmEngine real) {
      this.real = real;
    }

    @Override
    public CompiledModule compile(byte[] wasm) throws SandboxException {
      return real.compile(wasm);
    }

    @Override
    public CallOutcome call(CompiledModule module, String export, byte[] input, SandboxLimits l)
        throws SandboxException {
      return real.call(module, export, input, l);
    }

    @Override
    public String engineName() {
      return real.engineName();
    }

    @Override
    public String engineVersion() {
      return real.engineVersion();
    }
  }

  private static final class Liar extends Altered {
    Liar(WasmEngine real) {
      super(real);
    }

    @Override
    public CallOutcome call(CompiledModule module, String export, byte[] input, SandboxLimits l)
        throws SandboxException {
      CallOutcome honest = real.call(module, export, input, l);
      if (!export.equals("execute")) {
        return honest;
      }
      byte[] lie =
          (new String(honest.output(), StandardCharsets.UTF_8) + "7")
              .getBytes(StandardCharsets.UTF_8);
      return new CallOutcome(lie, honest.log(), honest.fuelUsed(), honest.elapsed());
    }
  }

  /** Lies on the chunks it believes will not be audited, and only on those. */
  private static final class Predictor extends Altered {
    Predictor(WasmEngine real) {
      super(real);
    }

    @Override
    public CallOutcome call(CompiledModule module, String export, byte[] input, SandboxLimits l)
        throws SandboxException {
      CallOutcome honest = real.call(module, export, input, l);
      if (!export.equals("execute") || input.length == 0 || input[0] != 'L') {
        return honest;
      }
      byte[] lie =
          (new String(honest.output(), StandardCharsets.UTF_8) + "7")
              .getBytes(StandardCharsets.UTF_8);
      return new CallOutcome(lie, honest.log(), honest.fuelUsed(), honest.elapsed());
    }
  }

  private static final class Staller extends Altered {
    Staller(WasmEngine real) {
      super(real);
    }

    @Override
    public CallOutcome call(CompiledModule module, String export, byte[] input, SandboxLimits l)
        throws SandboxException {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new SandboxException(FailureKind.CANCELLED, "stalled until cancelled", null);
    }
  }

  private static final class Crasher extends Altered {
    Crasher(WasmEngine real) {
      super(real);
    }

    @Override
    public CallOutcome call(CompiledModule module, String export, byte[] input, SandboxLimits l) {
      Runtime.getRuntime().halt(137);
      throw new IllegalStateException("unreachable");
    }
  }

  private static final class Slow extends Altered {
    Slow(WasmEngine real) {
      super(real);
    }

    @Override
    public CallOutcome call(CompiledModule module, String export, byte[] input, SandboxLimits l)
        throws SandboxException {
      try {
        Thread.sleep(1_500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SandboxException(FailureKind.CANCELLED, "cancelled", null);
      }
      return real.call(module, export, input, l);
    }
  }

  private record Overcharging(OrchestratorLink real) implements OrchestratorLink {
    @Override
    public boolean deliver(String endpoint, ComputeTaskResult result) {
      return real.deliver(endpoint, claim(result));
    }

    static ComputeTaskResult claim(ComputeTaskResult result) {
      return result.toBuilder().setPrice(1_000_000).build();
    }

    @Override
    public byte[] fetchModule(String endpoint, String moduleCid) {
      return real.fetchModule(endpoint, moduleCid);
    }

    @Override
    public void fetchRange(
        String endpoint,
        String blobCid,
        long offset,
        long length,
        Duration deadline,
        Consumer<ByteBuffer> frames) {
      real.fetchRange(endpoint, blobCid, offset, length, deadline, frames);
    }
  }

  /**
   * Returns a forged result for each assignment, as another member executor that was not assigned
   * it, just before the real result goes back; the orchestrator's verdicts are written to a log.
   */
  private static final class Forger {
    private final Identity forger;
    private final Path caDir;
    private final Path log;

    Forger(Identity forger, Path caDir, Path log) {
      this.forger = forger;
      this.caDir = caDir;
      this.log = log;
    }

    /** The real link, with a forgery sent ahead of each delivery. */
    final class Link implements OrchestratorLink {
      private final OrchestratorLink real;

      Link(OrchestratorLink real) {
        this.real = real;
      }

      @Override
      public boolean deliver(String endpoint, ComputeTaskResult result) {
        forge(endpoint, result);
        return real.deliver(endpoint, result);
      }

      @Override
      public byte[] fetchModule(String endpoint, String moduleCid) {
        return real.fetchModule(endpoint, moduleCid);
      }

      @Override
      public void fetchRange(
          String endpoint,
          String blobCid,
          long offset,
          long length,
          Duration deadline,
          Consumer<ByteBuffer> frames) {
        real.fetchRange(endpoint, blobCid, offset, length, deadline, frames);
      }
    }

    private synchronized void forge(String endpoint, ComputeTaskResult real) {
      byte[] junk = "forged".getBytes(StandardCharsets.US_ASCII);
      ComputeTaskResult forged =
          real.toBuilder()
              .setResultData(com.google.protobuf.ByteString.copyFrom(junk))
              .setResultHash(io.meshwork.content.Cid.of(junk))
              .build();
      int port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
      io.grpc.ManagedChannel channel =
          io.meshwork.runtime.tls.TlsTestClients.party(port, caDir, forger);
      String verdict;
      try {
        var response =
            io.meshwork.compute.v1.ComputeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                .returnTaskResult(
                    io.meshwork.compute.v1.ReturnTaskResultRequest.newBuilder()
                        .setResult(forged)
                        .build());
        verdict = "verified=" + response.getVerified() + " reason=" + response.getReason();
      } catch (io.grpc.StatusRuntimeException e) {
        verdict = "refused=" + e.getStatus().getCode() + " " + e.getStatus().getDescription();
      } finally {
        channel.shutdownNow();
      }
      try {
        Files.writeString(
            log,
            real.getAssignmentId() + " " + verdict + "\n",
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
