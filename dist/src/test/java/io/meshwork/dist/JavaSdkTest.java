package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.AsyncMeshClient;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.JobSubscription;
import io.meshwork.client.MeshClient;
import io.meshwork.client.ReceiptProofException;
import io.meshwork.client.ReceiptProofVerifier;
import io.meshwork.client.SplitStrategy;
import io.meshwork.client.VerifiedResult;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.Identity;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java SDK against a development mesh (every service its own gRPC server on loopback, TLS, real
 * WASM and signatures): the asynchronous calls, a status stream and its cancellation, offline
 * verification of a result's receipts against the log's key, and {@code examples/java-sdk}, a Maven
 * project of its own, built offline from a local repository holding this build's SDK and run
 * against the mesh.
 */
class JavaSdkTest {
  private static final String ORIGIN = "meshwork.local/receipts";

  /** This test's own java, which runs the example as a user would, with the launcher's options. */
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir static Path dir;
  private static DevMesh mesh;
  private static Identity user;

  @BeforeAll
  static void startMesh() {
    mesh =
        DevMesh.start(
            dir.resolve("mesh"),
            MeshFixtures.freeLayout(2),
            // URL inputs from the test's own server, which may hold one back: a job that runs
            // for as long as a test needs it to.
            Map.of(
                "orchestrator.input-url-hosts", "127.0.0.1",
                "orchestrator.input-url-allow-private", "true",
                "orchestrator.input-url-allow-http", "true",
                "orchestrator.input-url-timeout-ms", "600000"));
    user = Identity.generate();
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  void asynchronousCallsSubmitWatchAndFetchWithoutBlocking() throws Exception {
    byte[] text = SampleText.generate(40_000, 11);
    try (MeshClient client = MeshFixtures.client(mesh, user)) {
      AsyncMeshClient async = client.async();
      List<ComputeJobStatus> heard = new CopyOnWriteArrayList<>();
      List<JobSubscription> watches = new CopyOnWriteArrayList<>();

      CompletableFuture<JobResult> counted =
          async
              .submit(MeshFixtures.wordCountJob(text, 10_000).build())
              .thenCompose(
                  id -> {
                    watches.add(async.watch(id, heard::add));
                    return async.result(id, Duration.ofMinutes(3));
                  });
      JobResult result = counted.get(4, TimeUnit.MINUTES);

      assertTrue(result.success(), result.error());
      assertEquals(
          Long.toString(SampleText.countWords(text)),
          new String(result.bytes(), StandardCharsets.US_ASCII));
      ComputeJobStatus last = watches.get(0).finished().get(1, TimeUnit.MINUTES);
      assertEquals("completed", last.getStatus());
      assertEquals("completed", heard.get(heard.size() - 1).getStatus());
      assertEquals(result.jobId(), last.getJobId());

      // The other calls, all at once.
      CompletableFuture<ComputeJobStatus> status = async.status(result.jobId());
      CompletableFuture<List<ComputeJobStatus>> jobs = async.jobs(10);
      CompletableFuture<Boolean> cancel = async.cancel(result.jobId());
      var balance = async.balance();
      CompletableFuture.allOf(status, jobs, cancel, balance).get(1, TimeUnit.MINUTES);
      assertEquals("completed", status.get().getStatus());
      assertEquals(List.of(result.jobId()), jobs.get().stream().map(s -> s.getJobId()).toList());
      assertFalse(cancel.get(), "a completed job is not cancelled");
      assertEquals(client.balance().getBalance(), balance.get().getBalance());

      // A refusal completes the future exceptionally with the SDK's exception.
      var unknown = async.status("no-such-job");
      var failure = assertThrows(java.util.concurrent.ExecutionException.class, unknown::get);
      assertEquals(
          "JOB_NOT_FOUND",
          ((io.meshwork.client.MeshClientException) failure.getCause()).reason().orElse(""));
    }
  }

  @Test
  void aWatchOfARunningJobStopsWhenCancelled() throws Exception {
    byte[] text = SampleText.generate(20_000, 2);
    HeldInput held = new HeldInput(text);
    try (MeshClient client = MeshFixtures.client(mesh, user)) {
      // The job waits for its input, which the server holds back until the watch is cancelled.
      String jobId =
          client.submit(
              JobRequest.newBuilder()
                  .wasmModule(MeshFixtures.wordCount())
                  .inputUrl(held.url(), "")
                  .splitStrategy(SplitStrategy.LINES)
                  .maxChunkSize(5_000)
                  .build());
      List<ComputeJobStatus> heard = new CopyOnWriteArrayList<>();
      JobSubscription watch = client.async().watch(jobId, heard::add);
      while (heard.isEmpty()) {
        Thread.sleep(20);
      }
      watch.cancel();
      int seen = heard.size();
      assertTrue(watch.finished().isCancelled());
      assertEquals("fetching", heard.get(0).getStatus(), heard.toString());

      // The job goes on and ends; the cancelled stream hears none of it.
      held.release();
      JobResult result = client.result(jobId, Duration.ofMinutes(3));
      assertTrue(result.success(), result.error());
      assertEquals(seen, heard.size(), "nothing after the cancel: " + heard);
    } finally {
      held.close();
    }
  }

  @Test
  void aResultsReceiptsVerifyOfflineAgainstTheLogsKeyAndTamperingIsCaught() throws Exception {
    JobResult result;
    Map<String, String> proofs;
    try (MeshClient client = MeshFixtures.client(mesh, user)) {
      result =
          MeshFixtures.runWordCount(
              client,
              MeshFixtures.wordCountJob(SampleText.generate(30_000, 5), 10_000).build(),
              Duration.ofMinutes(3));
      proofs = client.proofBundles(result);
      assertEquals(client.checkpoint().getVerifierKey(), logKey(), "the log reports its own key");
    }
    // The key as its operator publishes it: from the log's own key file, not asked of the log.
    ReceiptProofVerifier verifier = ReceiptProofVerifier.forLogKey(logKey());

    VerifiedResult verified = verifier.verify(result, proofs);

    assertEquals(result.receipts().size(), verified.receipts().size());
    assertTrue(verified.receipts().size() >= 4, "three chunks and a merge: " + verified);
    assertEquals(result.resultCid().orElseThrow(), verified.resultCid());
    for (int i = 0; i < verified.receipts().size(); i++) {
      ReceiptRef ref = result.receipts().get(i);
      assertEquals(ref.getReceiptCid(), verified.receipts().get(i).cid());
      assertEquals(ORIGIN, verified.receipts().get(i).origin());
    }

    // Another log's key: the checkpoint is not signed by it.
    String otherKey = SignedNote.verifierKey(ORIGIN, Identity.generate().publicKey());
    assertEquals(
        "checkpoint-signature",
        assertThrows(
                ReceiptProofException.class,
                () -> ReceiptProofVerifier.forLogKey(otherKey).verify(result, proofs))
            .check());

    // A bundle missing, and one swapped for another receipt's.
    String first = result.receipts().get(0).getReceiptCid();
    String second = result.receipts().get(1).getReceiptCid();
    Map<String, String> missing = new LinkedHashMap<>(proofs);
    missing.remove(first);
    assertEquals(
        "missing-proof",
        assertThrows(ReceiptProofException.class, () -> verifier.verify(result, missing)).check());
    Map<String, String> swapped = new LinkedHashMap<>(proofs);
    swapped.put(first, proofs.get(second));
    assertEquals(
        "cid",
        assertThrows(ReceiptProofException.class, () -> verifier.verify(result, swapped)).check());

    // A changed hash on an inclusion path.
    List<String> lines = new ArrayList<>(List.of(proofs.get(first).split("\n", -1)));
    int pathLine = 3;
    byte[] hash = java.util.Base64.getDecoder().decode(lines.get(pathLine));
    hash[0] ^= 1;
    lines.set(pathLine, java.util.Base64.getEncoder().encodeToString(hash));
    Map<String, String> tampered = new LinkedHashMap<>(proofs);
    tampered.put(first, String.join("\n", lines));
    assertEquals(
        "inclusion",
        assertThrows(ReceiptProofException.class, () -> verifier.verify(result, tampered)).check());

    assertThrows(IllegalArgumentException.class, () -> ReceiptProofVerifier.forLogKey("nope"));
  }

  @Test
  void theExampleProjectBuildsOfflineFromALocalRepositoryAndRunsAgainstTheMesh() throws Exception {
    Path repository = dir.resolve("repository");
    String version = installSdk(repository);
    Path project = dir.resolve("java-sdk");
    copyTree(Path.of("..", "examples", "java-sdk"), project);

    Path root = Path.of("..").toAbsolutePath().normalize();
    List<String> build =
        new ArrayList<>(
            List.of(
                root.resolve("mvnw").toString(),
                "-B",
                "-ntp",
                "-q",
                "-o",
                "-f",
                project.resolve("pom.xml").toString(),
                "-Dmaven.repo.local=" + repository,
                "-Dmaven.repo.local.tail=" + userRepository(),
                "-Dmeshwork.version=" + version,
                "package"));
    ProcessBuilder maven = new ProcessBuilder(build).directory(project.toFile());
    maven.environment().put("MAVEN_OPTS", String.join(" ", TestJvm.launcherOptions(JAVA)));
    Run built = run(maven);
    assertEquals(0, built.exit(), "the example did not build:\n" + built.output());
    assertTrue(Files.isDirectory(project.resolve("target").resolve("lib")));

    byte[] text = SampleText.generate(20_000, 3);
    Path input = Files.write(dir.resolve("book.txt"), text);
    Path wasm = Files.write(dir.resolve("wordcount.wasm"), MeshFixtures.wordCount());
    List<String> command = new ArrayList<>();
    command.add(JAVA);
    command.addAll(TestJvm.launcherOptions(JAVA));
    command.addAll(
        List.of(
            "-cp",
            project.resolve("target").resolve("classes")
                + java.io.File.pathSeparator
                + project.resolve("target").resolve("lib").resolve("*"),
            "io.meshwork.examples.sdk.CountWords",
            "--wasm",
            wasm.toString(),
            "--input",
            input.toString(),
            "--orchestrator",
            mesh.layout().target("orchestrator"),
            "--ledger",
            mesh.layout().target("ledger"),
            "--receipt-log",
            mesh.layout().target("receipts"),
            "--cacert",
            mesh.caCertificate().orElseThrow().toString(),
            "--home",
            dir.resolve("example-home").toString(),
            "--log-key",
            logKey()));
    Run ran = run(new ProcessBuilder(command));

    assertEquals(0, ran.exit(), ran.output());
    assertTrue(
        ran.output().contains("\nwords " + SampleText.countWords(text) + "\n"), ran.output());
    assertTrue(
        ran.output().matches("(?s).*\nverified [0-9]+ receipts of result b\\S+ offline\n"),
        ran.output());
    assertFalse(ran.output().contains("WARNING"), ran.output());
  }

  /** The receipt log's verifier key, from its key file as the log's operator would publish it. */
  private static String logKey() {
    return SignedNote.verifierKey(
        ORIGIN, MeshFixtures.serviceIdentity(dir.resolve("mesh"), "receipts").publicKey());
  }

  /**
   * Puts this build's SDK and the project modules it needs, with their POMs and the parent POM,
   * into {@code repository} as {@code mvn install} would; returns their version. The jars are the
   * ones this build packaged before the dist module's tests.
   */
  private static String installSdk(Path repository) throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    String version = null;
    for (String module :
        List.of("proto", "identity", "content-address", "receipt-format", "client-sdk")) {
      String artifact = "meshwork-" + module;
      Path jar;
      try (Stream<Path> files = Files.list(root.resolve(module).resolve("target"))) {
        jar =
            files
                .filter(
                    f ->
                        f.getFileName()
                            .toString()
                            .matches(artifact + "-[0-9][^-]*(-SNAPSHOT)?\\.jar"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no jar of " + module + " was built"));
      }
      String name = jar.getFileName().toString();
      version = name.substring(artifact.length() + 1, name.length() - ".jar".length());
      Path folder = repository.resolve("io/meshwork").resolve(artifact).resolve(version);
      Files.createDirectories(folder);
      Files.copy(jar, folder.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          root.resolve(module).resolve("pom.xml"),
          folder.resolve(artifact + "-" + version + ".pom"),
          StandardCopyOption.REPLACE_EXISTING);
    }
    Path parent = repository.resolve("io/meshwork/meshwork-parent").resolve(version);
    Files.createDirectories(parent);
    Files.copy(
        root.resolve("pom.xml"),
        parent.resolve("meshwork-parent-" + version + ".pom"),
        StandardCopyOption.REPLACE_EXISTING);
    return version;
  }

  /** The local repository this build resolves from: third-party jars and plugins come from it. */
  private static Path userRepository() {
    String configured = System.getProperty("maven.repo.local");
    return configured != null
        ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path relative = from.relativize(f);
        if (relative.startsWith("target")) {
          continue;
        }
        Path target = to.resolve(relative.toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private record Run(int exit, String output) {}

  private static Run run(ProcessBuilder builder) throws Exception {
    Process p = builder.redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("did not finish: " + builder.command() + "\n" + output);
    }
    return new Run(p.exitValue(), output);
  }
}
