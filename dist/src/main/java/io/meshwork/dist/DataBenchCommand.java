package io.meshwork.dist;

import io.meshwork.client.cli.MeshCli;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork bench-data}: the mesh's data path against one engine thread (issue 15). It writes
 * a file of generated text, then, in each round, uploads it as a blob and counts its words with one
 * job on the mesh, and counts them again on this machine without the mesh: the same module in the
 * executor's engine on one thread over the same chunks, plain Java, and {@code wc -w}. It prints
 * MB/s of each, the mesh's over the engine's beside the goal, and fails when any count differs.
 *
 * <p>A command of its own rather than an option of {@code bench}: that one measures many small jobs
 * over a window of time, and none of its options (seconds, warm-ups, clients, chunks) mean anything
 * for one large job, nor do this one's for it. They share how a mesh is started or found ({@link
 * BenchMesh}).
 */
@Command(
    name = "bench-data",
    description =
        "Count the words of a large generated file on the mesh (upload included and excluded) and"
            + " on one local engine thread, in plain Java and with wc -w; report MB/s and the"
            + " mesh's ratio to one engine thread.")
final class DataBenchCommand implements Callable<Integer> {

  @Option(
      names = "--data-size",
      paramLabel = "SIZE",
      converter = ByteSize.class,
      defaultValue = "1g",
      description =
          "Size of the generated text: bytes, or with k, m or g (binary: 1g = 2^30 bytes)"
              + " (default: ${DEFAULT-VALUE}).")
  long dataSize;

  @Option(
      names = "--chunk-size",
      paramLabel = "SIZE",
      converter = ByteSize.class,
      defaultValue = "16m",
      description =
          "The job's smallest and largest chunk, which the local engine's chunks follow"
              + " (default: ${DEFAULT-VALUE}).")
  long chunkSize;

  @Option(
      names = "--rounds",
      description =
          "Rounds of every measurement; the figures are medians (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

  // A mesh that has been up for a while has compiled its hot paths (gRPC, TLS, protobuf, the
  // receipts, the module) with the JIT; the first job after a start pays for that compilation
  // as well, and on 2 cores that is seconds of CPU. The warm-up rounds run the same steps
  // untimed, so the figures describe the mesh as it usually runs; 0 measures a cold start.
  @Option(
      names = "--warmup",
      description =
          "Rounds run first and not counted, so that the JIT has compiled the mesh's and the"
              + " engine's hot paths (default: ${DEFAULT-VALUE}).")
  int warmup = 1;

  @Mixin BenchMesh.Options meshOptions;

  @Spec CommandSpec spec;

  /** What the last run measured, for the smoke test. */
  DataBenchReport lastReport;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    MeshCli cli = MeshCli.from(spec);
    if (dataSize < 1 || chunkSize < 1 || rounds < 1 || meshOptions.executors < 1 || warmup < 0) {
      err.println(
          "bench-data: --data-size, --chunk-size, --rounds and --executors must be at least 1,"
              + " --warmup at least 0");
      return MeshCli.EXIT_USAGE;
    }
    // Progress always goes to stderr, so stdout has the report alone.
    Consumer<String> progress =
        line -> {
          err.println(line);
          err.flush();
        };
    if (cli.plaintext()) {
      err.println("bench-data: --plaintext: INSECURE, the mesh runs and is called without TLS");
    }
    byte[] module = BenchCommand.wordCountModule();
    Path folder = Files.createTempDirectory("meshwork-bench-data");
    try (BenchMesh mesh =
        meshOptions.open(cli.plaintext(), cli.caCertificate().orElse(null), err)) {
      progress.accept(
          String.format(Locale.ROOT, "Writing %,d bytes of text to %s ...", dataSize, folder));
      long t0 = System.nanoTime();
      DataFile data = DataFile.generate(folder.resolve("text.txt"), dataSize, chunkSize, progress);
      progress.accept(
          String.format(
              Locale.ROOT,
              "  written in %.1f s and cut into %,d chunks",
              (System.nanoTime() - t0) / 1e9,
              data.chunks().size()));
      LocalWordCounts local = new LocalWordCounts(module);
      MeshWordCount meshCount = new MeshWordCount(mesh.target(), module);
      for (int round = 1; round <= warmup; round++) {
        round("Warm-up round " + round, data, meshCount, local, progress);
      }
      List<DataBenchReport.Round> done = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        done.add(round("Round " + round, data, meshCount, local, progress));
      }
      DataBenchReport report =
          new DataBenchReport(
              data,
              mesh.startedHere(),
              mesh.target().orchestrator(),
              Runtime.getRuntime().availableProcessors(),
              warmup,
              done);
      lastReport = report;
      if (cli.json()) {
        out.println(report.json());
      } else {
        report.printTable(out);
      }
      out.flush();
      if (!report.countsAgree()) {
        err.println(
            "bench-data: THE COUNTS DIFFER between the mesh, the engine, Java and wc -w; the"
                + " figures above are not comparable");
        return MeshCli.EXIT_FAILURE;
      }
      if (!report.chunksAgree()) {
        err.println(
            "bench-data: the mesh did not cut as many chunks as the engine ran; the ratios are not"
                + " like for like");
        return MeshCli.EXIT_FAILURE;
      }
      return 0;
    } finally {
      BenchMesh.deleteTree(folder);
    }
  }

  /**
   * One round. The mesh goes first, so that a mesh that refuses the job fails the run before the
   * references take their time, and the references then run while the mesh is idle.
   */
  private static DataBenchReport.Round round(
      String round,
      DataFile data,
      MeshWordCount mesh,
      LocalWordCounts local,
      Consumer<String> progress) {
    progress.accept(round + ": the mesh (upload, then one job) ...");
    MeshWordCount.Run onMesh = mesh.run(data, progress);
    progress.accept(
        String.format(
            Locale.ROOT,
            "  upload %.2f s, job %.2f s, %,d chunks, %,d words",
            onMesh.uploadNanos() / 1e9,
            onMesh.jobNanos() / 1e9,
            onMesh.chunks(),
            onMesh.words()));
    progress.accept(round + ": one local engine thread ...");
    LocalWordCounts.Timed engine = local.engine(data.path(), data.chunks(), progress);
    progress.accept(done(engine, data));
    progress.accept(round + ": plain Java ...");
    LocalWordCounts.Timed java = LocalWordCounts.plainJava(data.path());
    progress.accept(done(java, data));
    progress.accept(round + ": wc -w ...");
    LocalWordCounts.Timed wc = LocalWordCounts.wcW(data.path());
    progress.accept(done(wc, data));
    return new DataBenchReport.Round(onMesh, engine, java, wc);
  }

  private static String done(LocalWordCounts.Timed t, DataFile data) {
    return String.format(
        Locale.ROOT,
        "  %.2f s, %.1f MB/s, %,d words",
        t.nanos() / 1e9,
        t.megabytesPerSecond(data.bytes()),
        t.words());
  }

  /** A size in bytes: a number, optionally followed by k, m or g (powers of 1024). */
  static final class ByteSize implements ITypeConverter<Long> {
    private static final Pattern SIZE =
        Pattern.compile("(\\d+)\\s*([kmg]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Long convert(String value) {
      Matcher m = SIZE.matcher(value.strip());
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "'" + value + "' is not a size (bytes, or a number with k, m or g, e.g. 256m)");
      }
      int shift =
          switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
          };
      long number = Long.parseLong(m.group(1));
      if (number > (Long.MAX_VALUE >> shift)) {
        throw new IllegalArgumentException("'" + value + "' is too large");
      }
      return number << shift;
    }
  }
}
