package io.meshwork.ledger;

import io.grpc.ManagedChannel;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.core.Hold;
import io.meshwork.ledger.core.LedgerObserver;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.store.JdbcLedgerStore;
import io.meshwork.ledger.store.PostgresLedgerStore;
import io.meshwork.ledger.store.SqliteLedgerStore;
import io.meshwork.ledger.v1.CreateHoldRequest;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.Operation;
import io.meshwork.ledger.v1.OperationResult;
import io.meshwork.ledger.v1.PostHoldRequest;
import io.meshwork.ledger.v1.SubmitOperationsRequest;
import io.meshwork.ledger.v1.SubmitOperationsResponse;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.tls.TlsTestClients;
import io.meshwork.testing.postgres.TestPostgres;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Durable holds plus posts per second through the ledger's gRPC service, against the same workload
 * run directly on the database with one transaction per operation.
 *
 * <p>The workload is a job's life reduced to its ledger calls: each client creates a hold for a
 * job, then posts it in full to an executor (a final post). One <em>operation</em> is one hold or
 * one post; each is acknowledged only once durably committed (SQLite WAL with synchronous=FULL;
 * PostgreSQL with fsync and synchronous_commit on). Through gRPC, every client sends {@code Submit}
 * calls over loopback TCP carrying {@code --batch} holds, then one carrying the posts of those
 * holds, and the server groups concurrent work into shared commits. The reference runs the same
 * holds and posts through {@link ManaLedger} in-process on a store that commits each operation on
 * its own, from the same number of threads. The figure that matters is the ratio, measured in the
 * same run on the same machine. Each figure also shows the process's CPU time per operation (server
 * and clients together), and a third measurement hands the same batches to the ledger in-process,
 * without gRPC, which tells the store's cost from the transport's.
 *
 * <p>Run: {@code ./mvnw -q -pl ledger-service test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.meshwork.ledger.LedgerBenchmark -Dexec.args="--seconds 10"} (options: {@code
 * --seconds N --clients N --batch N --stores sqlite,postgres --max-ops N}, the last the group
 * commit's {@code ledger.max-ops-per-commit}).
 */
public final class LedgerBenchmark {
  private LedgerBenchmark() {}

  /** Settings of one run. */
  record Config(int seconds, int clients, int batch, List<String> stores, int maxOpsPerCommit) {
    /** A run with the store's default group size. */
    Config(int seconds, int clients, int batch, List<String> stores) {
      this(seconds, clients, batch, stores, JdbcLedgerStore.DEFAULT_MAX_OPS_PER_COMMIT);
    }

    static Config parse(String[] args) {
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        m.put(args[i].replaceFirst("^--", ""), args[i + 1]);
      }
      return new Config(
          Integer.parseInt(m.getOrDefault("seconds", "10")),
          Integer.parseInt(m.getOrDefault("clients", "8")),
          Integer.parseInt(m.getOrDefault("batch", "100")),
          List.of(m.getOrDefault("stores", "sqlite,postgres").split(",")),
          Integer.parseInt(
              m.getOrDefault(
                  "max-ops", Integer.toString(JdbcLedgerStore.DEFAULT_MAX_OPS_PER_COMMIT))));
    }
  }

  /**
   * What one measurement counted: operations per second, and the process's CPU time per operation
   * (server and clients together), which does not depend on what else the machine is running.
   */
  record Rate(double opsPerSecond, double cpuMicrosPerOp) {}

  /**
   * What one store measured, each way: through gRPC, directly with one transaction per operation
   * (the reference), and, to tell the store's share from the transport's, the same batches handed
   * to the ledger in-process.
   */
  record Result(String store, Rate grpc, Rate direct, Rate inProcess) {
    double grpcOpsPerSecond() {
      return grpc.opsPerSecond();
    }

    double directOpsPerSecond() {
      return direct.opsPerSecond();
    }

    double ratio() {
      return grpcOpsPerSecond() / directOpsPerSecond();
    }

    String line() {
      return String.format(
          "%-9s gRPC batched, grouped commits: %,10.0f ops/s (%,.0f us CPU/op)   direct, one"
              + " transaction per op: %,8.0f ops/s (%,.0f us CPU/op)   ratio %5.1fx"
              + "   (same batches in-process, no gRPC: %,.0f ops/s, %,.0f us CPU/op)",
          store,
          grpc.opsPerSecond(),
          grpc.cpuMicrosPerOp(),
          direct.opsPerSecond(),
          direct.cpuMicrosPerOp(),
          ratio(),
          inProcess.opsPerSecond(),
          inProcess.cpuMicrosPerOp());
    }
  }

  /** Runs the benchmark and prints one line per store. */
  public static void main(String[] args) throws Exception {
    Config config = Config.parse(args);
    System.out.printf(
        "ledger benchmark: %d s per measurement, %d clients, %d operations per Submit, at most %d"
            + " per commit, %d cores%n",
        config.seconds(),
        config.clients(),
        config.batch(),
        config.maxOpsPerCommit(),
        Runtime.getRuntime().availableProcessors());
    for (Result r : run(config)) {
      System.out.println(r.line());
    }
  }

  /** Measures each store of {@code config}. */
  static List<Result> run(Config config) throws Exception {
    List<Result> results = new ArrayList<>();
    for (String store : config.stores()) {
      switch (store) {
        case "sqlite" -> results.add(sqlite(config));
        case "postgres" -> results.add(postgres(config));
        default -> throw new IllegalArgumentException("unknown store " + store);
      }
    }
    return results;
  }

  private static Result sqlite(Config config) throws Exception {
    Path grpcDir = Files.createTempDirectory("ledger-bench-grpc");
    Path directDir = Files.createTempDirectory("ledger-bench-direct");
    Path batchDir = Files.createTempDirectory("ledger-bench-batches");
    try {
      Rate grpc = throughGrpc(config, grpcDir, Map.of("ledger.store", "sqlite"));
      Rate direct = direct(config, () -> SqliteLedgerStore.inDirectory(directDir, 1));
      Rate inProcess =
          inProcess(
              config, () -> SqliteLedgerStore.inDirectory(batchDir, config.maxOpsPerCommit()));
      return new Result("SQLite", grpc, direct, inProcess);
    } finally {
      delete(grpcDir);
      delete(directDir);
      delete(batchDir);
    }
  }

  private static Result postgres(Config config) throws Exception {
    Path dir = Files.createTempDirectory("ledger-bench-pg");
    try (TestPostgres pg = TestPostgres.start()) {
      String grpcUrl = pg.createDatabase("bench_grpc");
      String directUrl = pg.createDatabase("bench_direct");
      String batchUrl = pg.createDatabase("bench_batches");
      Rate grpc =
          throughGrpc(
              config,
              dir,
              Map.of(
                  "ledger.store",
                  "postgres",
                  "ledger.postgres.url",
                  grpcUrl,
                  "ledger.postgres.user",
                  pg.user(),
                  "ledger.postgres.password",
                  pg.password()));
      Rate direct =
          direct(config, () -> PostgresLedgerStore.open(directUrl, pg.user(), pg.password(), 1));
      Rate inProcess =
          inProcess(
              config,
              () ->
                  PostgresLedgerStore.open(
                      batchUrl, pg.user(), pg.password(), config.maxOpsPerCommit()));
      return new Result("PostgreSQL", grpc, direct, inProcess);
    } finally {
      delete(dir);
    }
  }

  /** Holds and posts per second through a real gRPC server on loopback. */
  private static Rate throughGrpc(Config config, Path dir, Map<String, String> store)
      throws Exception {
    Identity client = Identity.generate();
    Map<String, String> settings = new HashMap<>(store);
    settings.put("data-dir", dir.toString());
    settings.put("grpc.port", "0");
    settings.put("auth.orchestrators", client.did());
    settings.put("mesh.dev-mode", "true");
    settings.put("ledger.max-ops-per-commit", Integer.toString(config.maxOpsPerCommit()));
    // A grant this large is above the default largest amount, which is raised to match.
    settings.put("ledger.dev-grant", Long.toString(Long.MAX_VALUE / 1024));
    settings.put("ledger.max-amount", Long.toString(Long.MAX_VALUE / 1024));
    try (ServiceHost host =
        ServiceHost.start(
            "ledger", LedgerSettings.SCHEMA, new MapSettings(settings), LedgerService::create)) {
      // The orchestrator's calls, as the mesh makes them: mutual TLS, no token.
      ManagedChannel channel = TlsTestClients.party(host.grpcPort(), dir.resolve("tls"), client);
      try {
        var stub = LedgerServiceGrpc.newBlockingStub(channel);
        List<String> payers = new ArrayList<>();
        for (int i = 0; i < config.clients(); i++) {
          payers.add(Identity.generate().did());
        }
        String payee = Identity.generate().did();
        return measure(
            config,
            (worker, round) -> {
              String payer = payers.get(worker);
              String prefix = "g" + worker + "-" + round + "-";
              SubmitOperationsRequest.Builder holds = SubmitOperationsRequest.newBuilder();
              for (int i = 0; i < config.batch(); i++) {
                holds.addOperations(
                    Operation.newBuilder()
                        .setCreateHold(
                            CreateHoldRequest.newBuilder()
                                .setRequestId(prefix + "h" + i)
                                .setPayerDid(payer)
                                .setAmount(10)
                                .setJobId(prefix + i)));
              }
              SubmitOperationsResponse held = stub.submit(holds.build());
              SubmitOperationsRequest.Builder posts = SubmitOperationsRequest.newBuilder();
              for (int i = 0; i < config.batch(); i++) {
                OperationResult r = held.getResults(i);
                if (!r.hasCreateHold()) {
                  throw new IllegalStateException("a hold was refused: " + r.getError());
                }
                posts.addOperations(
                    Operation.newBuilder()
                        .setPostHold(
                            PostHoldRequest.newBuilder()
                                .setRequestId(prefix + "p" + i)
                                .setHoldId(r.getCreateHold().getHold().getHoldId())
                                .setPayeeDid(payee)
                                .setAmount(7)
                                .setFinal(true)));
              }
              SubmitOperationsResponse posted = stub.submit(posts.build());
              for (OperationResult r : posted.getResultsList()) {
                if (!r.hasPostHold()) {
                  throw new IllegalStateException("a post was refused: " + r.getError());
                }
              }
              return 2L * config.batch();
            });
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** An in-process ledger on {@code store} with a payer per client and one payee. */
  private record Parties(ManaLedger ledger, List<String> payers, String payee) {
    static Parties of(Config config, LedgerStore store) {
      ManaLedger ledger =
          new ManaLedger(
              store,
              Clock.systemUTC(),
              ManaLedger.Options.defaults()
                  .withMaxAmount(Long.MAX_VALUE / 1024)
                  .withDevGrant(Long.MAX_VALUE / 1024),
              LedgerObserver.none());
      List<String> payers = new ArrayList<>();
      for (int i = 0; i < config.clients(); i++) {
        payers.add(Identity.generate().did());
      }
      return new Parties(ledger, payers, Identity.generate().did());
    }
  }

  /** The same holds and posts, in-process, each operation its own transaction. */
  private static Rate direct(Config config, Supplier<LedgerStore> open) throws Exception {
    try (LedgerStore store = open.get()) {
      Parties parties = Parties.of(config, store);
      ManaLedger ledger = parties.ledger();
      List<String> payers = parties.payers();
      String payee = parties.payee();
      return measure(
          config,
          (worker, round) -> {
            String prefix = "d" + worker + "-" + round;
            Hold hold =
                ledger.createHold(prefix + "h", payers.get(worker), 10, prefix, Duration.ZERO, "");
            ledger.postHold(prefix + "p", hold.holdId(), payee, 7, true, "", "");
            return 2L;
          });
    }
  }

  /**
   * The gRPC workload without gRPC: each worker hands {@link ManaLedger#batch()} the same batches
   * of holds, then of their final posts, on a store that groups commits as the service's does.
   */
  private static Rate inProcess(Config config, Supplier<LedgerStore> open) throws Exception {
    try (LedgerStore store = open.get()) {
      Parties parties = Parties.of(config, store);
      ManaLedger ledger = parties.ledger();
      List<String> payers = parties.payers();
      String payee = parties.payee();
      return measure(
          config,
          (worker, round) -> {
            String prefix = "b" + worker + "-" + round + "-";
            ManaLedger.Batch holds = ledger.batch();
            List<CompletableFuture<Hold>> held = new ArrayList<>();
            for (int i = 0; i < config.batch(); i++) {
              held.add(
                  holds.createHold(
                      prefix + "h" + i, payers.get(worker), 10, prefix + i, Duration.ZERO, ""));
            }
            holds.submit();
            ManaLedger.Batch posts = ledger.batch();
            List<CompletableFuture<Hold>> posted = new ArrayList<>();
            for (int i = 0; i < config.batch(); i++) {
              String holdId = LedgerStore.await(held.get(i)).holdId();
              posted.add(posts.postHold(prefix + "p" + i, holdId, payee, 7, true, "", ""));
            }
            posts.submit();
            posted.forEach(LedgerStore::await);
            return 2L * config.batch();
          });
    }
  }

  /** One round of a worker's work; returns the operations it completed. */
  private interface Round {
    long run(int worker, long round) throws Exception;
  }

  /**
   * Runs {@code config.clients()} workers for a warm-up (as long as the measurement, at most 10 s),
   * then counts what they complete during {@code config.seconds()}.
   */
  private static Rate measure(Config config, Round round) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicBoolean counting = new AtomicBoolean(false);
    AtomicLong ops = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int w = 0; w < config.clients(); w++) {
      int worker = w;
      workers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    long n = 0;
                    try {
                      while (running.get()) {
                        long done = round.run(worker, n++);
                        if (counting.get()) {
                          ops.addAndGet(done);
                        }
                      }
                    } catch (Exception e) {
                      failures.add(e);
                    }
                  }));
    }
    // Warm up as long as the measurement, at most 10 s: on two cores the JIT is still compiling
    // the gRPC, protobuf and JDBC paths several seconds in, and that is not what is measured.
    Thread.sleep(Math.max(200, Math.min(10_000, config.seconds() * 1_000L)));
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = os.getProcessCpuTime();
    long start = System.nanoTime();
    counting.set(true);
    Thread.sleep(config.seconds() * 1000L);
    counting.set(false);
    long elapsed = System.nanoTime() - start;
    long cpu = os.getProcessCpuTime() - cpuStart;
    running.set(false);
    for (Thread t : workers) {
      t.join(TimeUnit.MINUTES.toMillis(1));
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    long done = Math.max(1, ops.get());
    return new Rate(ops.get() / (elapsed / 1e9), cpu / 1e3 / done);
  }

  private static void delete(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
