package io.meshwork.dist;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.dist.SoakJobs.Kind;
import io.meshwork.dist.SoakJobs.Outcome;
import io.meshwork.identity.Identity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A soak: concurrent clients submit a mix of jobs ({@link SoakJobs}) for a given time, each waiting
 * for one job's end before the next, while the service processes are sampled ({@link
 * ProcessSampler}). What it counts is what the report shows: every job's kind and outcome, and the
 * processes' heap after GC, threads and open files over time.
 */
final class Soak {
  /**
   * What to run: for {@code duration}, {@code clients} clients; a sample every {@code sampleEvery};
   * the heap's trend is fitted over the samples after {@code warmup}.
   */
  record Options(Duration duration, int clients, Duration sampleEvery, Duration warmup) {
    /** The defaults for a soak of {@code duration}: a fifth of it (at most 2 minutes) warms up. */
    static Options of(Duration duration, int clients) {
      long ms = duration.toMillis();
      Duration every = Duration.ofMillis(Math.max(1_000, Math.min(10_000, ms / 100)));
      Duration warmup = Duration.ofMillis(Math.min(120_000, ms / 5));
      return new Options(duration, clients, every, warmup);
    }
  }

  /** The jobs of one kind: how many ended in each way, and the first that ended unexpectedly. */
  static final class Tally {
    final Map<Outcome, AtomicLong> outcomes = new EnumMap<>(Outcome.class);
    final AtomicReference<String> firstUnexpected = new AtomicReference<>("");

    Tally() {
      for (Outcome o : Outcome.values()) {
        outcomes.put(o, new AtomicLong());
      }
    }

    long count(Outcome o) {
      return outcomes.get(o).get();
    }

    long total() {
      return outcomes.values().stream().mapToLong(AtomicLong::get).sum();
    }
  }

  /** What a soak counted and sampled. */
  record Result(
      Options options,
      double seconds,
      Map<Kind, Tally> tallies,
      List<ProcessSampler> processes,
      long sampleFailures,
      String firstSampleFailure) {
    long unexpected(Kind k) {
      long n = 0;
      for (Outcome o : Outcome.values()) {
        if (!SoakJobs.expected(k, o)) {
          n += tallies.get(k).count(o);
        }
      }
      return n;
    }

    /** Honest jobs that did not complete with the right answer. */
    long honestFailures() {
      long n = 0;
      for (Kind k : Kind.values()) {
        if (k.honest) {
          n += unexpected(k);
        }
      }
      return n;
    }

    /** Every job that ended in a way its kind does not expect, honest or not. */
    long unexpected() {
      long n = 0;
      for (Kind k : Kind.values()) {
        n += unexpected(k);
      }
      return n;
    }
  }

  private static final String VALIDATIONS_BUSY = "VALIDATIONS_BUSY";
  private static final int MAX_BUSY_RETRIES = 50;

  private final MeshBench.Target target;
  private final SoakJobs jobs;
  private final Options options;
  private final List<ProcessSampler> samplers;
  private final Map<Kind, Tally> tallies = new EnumMap<>(Kind.class);
  private final AtomicLong sampleFailures = new AtomicLong();
  private final AtomicReference<String> firstSampleFailure = new AtomicReference<>("");
  private volatile boolean stop;

  Soak(MeshBench.Target target, SoakJobs jobs, Options options, List<ProcessSampler> samplers) {
    this.target = target;
    this.jobs = jobs;
    this.options = options;
    this.samplers = samplers;
    for (Kind k : Kind.values()) {
      tallies.put(k, new Tally());
    }
  }

  /** Runs the soak; {@code progress} gets a line at every sample. */
  Result run(Consumer<String> progress) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + options.duration().toNanos();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < options.clients(); c++) {
      int client = c;
      clients.add(
          Thread.ofPlatform().name("soak-client-" + c).daemon().start(() -> clientLoop(client)));
    }
    long every = options.sampleEvery().toNanos();
    long next = start;
    while (true) {
      long now = System.nanoTime();
      if (now >= next) {
        double at = (now - start) / 1e9;
        for (ProcessSampler s : samplers) {
          if (!s.sample(at)) {
            sampleFailures.incrementAndGet();
            firstSampleFailure.compareAndSet("", s.lastError());
          }
        }
        progress.accept(progressLine(at));
        next += every;
      }
      if (now >= end) {
        break;
      }
      TimeUnit.NANOSECONDS.sleep(Math.max(1, Math.min(next, end) - System.nanoTime()));
    }
    stop = true;
    for (Thread t : clients) {
      // A client finishes the job it has in flight; no job waits longer than its result wait.
      t.join(TimeUnit.SECONDS.toMillis(180));
    }
    return new Result(
        options,
        (System.nanoTime() - start) / 1e9,
        tallies,
        samplers,
        sampleFailures.get(),
        firstSampleFailure.get());
  }

  private String progressLine(double at) {
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT, "  soak %6.0f s / %.0f s ", at, options.duration().toMillis() / 1e3));
    long done = 0;
    long wrong = 0;
    for (Kind k : Kind.values()) {
      Tally t = tallies.get(k);
      done += t.total();
      for (Outcome o : Outcome.values()) {
        if (!SoakJobs.expected(k, o)) {
          wrong += t.count(o);
        }
      }
    }
    line.append(String.format(Locale.ROOT, " %,7d jobs  %d unexpected", done, wrong));
    for (ProcessSampler s : samplers) {
      List<ProcessSampler.Sample> all = s.samples();
      if (!all.isEmpty()) {
        ProcessSampler.Sample last = all.get(all.size() - 1);
        line.append(
            String.format(
                Locale.ROOT,
                "  heap after GC %.1f MiB, %d threads, %d fds",
                last.heapAfterGcBytes() / 1048576.0,
                last.threads(),
                last.openFds()));
      }
    }
    return line.toString();
  }

  private void clientLoop(int client) {
    MeshClientOptions clientOptions =
        MeshClientOptions.newBuilder()
            .orchestratorTarget(target.orchestrator())
            .ledgerTarget(target.ledger())
            .identity(Identity.generate())
            .caCertificate(target.caCertificate().orElse(null))
            .plaintext(target.plaintext())
            .build();
    SplittableRandom random = new SplittableRandom(7919L * client + 20);
    try (MeshClient mesh = MeshClient.connect(clientOptions)) {
      mesh.balance();
      while (!stop) {
        Kind kind = SoakJobs.pick(random);
        StringBuilder why = new StringBuilder();
        Outcome outcome = runOne(mesh, jobs.job(kind, random), random, why);
        Tally tally = tallies.get(kind);
        tally.outcomes.get(outcome).incrementAndGet();
        if (!SoakJobs.expected(kind, outcome)) {
          tally.firstUnexpected.compareAndSet(
              "", "client " + client + ": " + outcome.label() + ": " + why);
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // A client that stops early counts as an honest job gone wrong, not as a quieter run.
      Tally t = tallies.get(Kind.SMALL);
      t.outcomes.get(Outcome.WRONG).incrementAndGet();
      t.firstUnexpected.compareAndSet("", "client " + client + " stopped: " + e);
    }
  }

  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Outcome runOne(
      MeshClient mesh, SoakJobs.Job job, SplittableRandom random, StringBuilder why) {
    String id;
    int busy = 0;
    while (true) {
      try {
        id = mesh.submit(job.request());
        break;
      } catch (MeshClientException e) {
        // The orchestrator validates only a few new modules at once and asks the others to come
        // back shortly: a user would, and so does the soak (the first jobs of 16 clients at once).
        if (e.reason().equals(Optional.of(VALIDATIONS_BUSY)) && busy++ < MAX_BUSY_RETRIES) {
          if (!pause(100 + random.nextInt(200))) {
            why.append("interrupted");
            return Outcome.WRONG;
          }
          continue;
        }
        why.append(e.getMessage());
        return Outcome.REFUSED;
      } catch (RuntimeException e) {
        why.append(e.getMessage());
        return Outcome.REFUSED;
      }
    }
    try {
      if (job.kind() == Kind.CANCELLED) {
        Thread.sleep(20 + random.nextInt(100));
        mesh.cancel(id);
      }
      JobResult result = mesh.result(id, Duration.ofSeconds(150));
      return SoakJobs.outcome(job, result, why);
    } catch (RuntimeException e) {
      why.append("job ").append(id).append(": ").append(e.getMessage());
      return Outcome.WRONG;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why.append("interrupted");
      return Outcome.WRONG;
    }
  }
}
