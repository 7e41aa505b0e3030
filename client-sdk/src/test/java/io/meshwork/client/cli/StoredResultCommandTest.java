package io.meshwork.client.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.BlobMesh;
import io.meshwork.client.DownloadProgress;
import io.meshwork.client.FakeMesh;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A result too large to come inline, read through the real blob service in process ({@link
 * BlobMesh}) beside the fake orchestrator ({@link FakeMesh}), by the SDK's {@code readResult} and
 * by {@code meshwork result}: streamed to a file or standard output, described by CID and size in
 * JSON, and refused in one line to a caller who may not read it.
 */
class StoredResultCommandTest {
  private static final String JOB = "j-large";

  @TempDir Path dir;
  private FakeMesh mesh;
  private BlobMesh blobs;
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private byte[] result;
  private String cid;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    mesh = new FakeMesh();
    blobs = new BlobMesh(dir.resolve("service"));
    // The result is a blob the submitter (the CLI's identity) holds, as the orchestrator stores
    // it; many download frames long.
    result = new byte[(int) (BlobMesh.FRAME * 5.5)];
    new Random(7).nextBytes(result);
    Path file = Files.write(dir.resolve("result.bin"), result);
    assertEquals(0, run("upload", file.toString()).exit());
    Files.delete(file);
    cid = Cid.of(result);
    mesh.results.put(
        JOB,
        GetJobResultResponse.newBuilder()
            .setSuccess(true)
            .setResultCid(cid)
            .setResultSize(result.length)
            .setResultStored(true)
            .setStatus(ComputeJobStatus.newBuilder().setJobId(JOB).setStatus("completed"))
            .build());
  }

  @AfterEach
  void stop() {
    blobs.close();
    mesh.close();
  }

  private Run run(String... args) {
    CommandLine commandLine =
        MeshCli.commandLine(
            options ->
                MeshClient.over(
                    blobs.orchestrator(mesh.computeChannel()), mesh.ledgerChannel(), options));
    ((MeshCli) commandLine.getCommand()).stdout(stdout);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--home", dir.resolve("home").toString()));
    all.addAll(Arrays.asList(args));
    int exit = commandLine.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void resultDashOStreamsTheStoredResultToTheFile() throws Exception {
    Path out = dir.resolve("out.bin");

    Run run = run("result", JOB, "-o", out.toString());

    assertEquals(0, run.exit(), run.err());
    assertArrayEquals(result, Files.readAllBytes(out));
    assertFalse(Files.exists(dir.resolve("out.bin.part")));
    assertTrue(run.out().startsWith("wrote " + result.length + " bytes to " + out), run.out());
    assertTrue(run.out().contains("result cid " + cid + " (checked)"), run.out());
    assertEquals("", run.err(), "no progress off a terminal");
  }

  @Test
  void withoutDashOTheStoredResultGoesToStandardOutputAsItIs() {
    Run run = run("result", JOB);

    assertEquals(0, run.exit(), run.err());
    assertArrayEquals(result, stdout.toByteArray());
    assertEquals("", run.out());
  }

  @Test
  void jsonDescribesAStoredResultByCidAndSizeWithoutItsBytes() {
    Run run = run("--json", "result", JOB);

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("\"result_cid\":\"" + cid + "\""), run.out());
    assertTrue(run.out().contains("\"size\":" + result.length), run.out());
    assertTrue(run.out().contains("\"stored\":true"), run.out());
    assertFalse(run.out().contains("result_base64"), run.out());
    assertEquals(0, stdout.size());
  }

  @Test
  void theSdkStreamsAStoredResultWithProgressAndTheResultSaysWhereItIs() throws Exception {
    Identity submitter = Identity.load(dir.resolve("home").resolve("identity.key"));
    try (MeshClient client = client(submitter)) {
      JobResult answer = client.result(JOB, Duration.ZERO);
      assertTrue(answer.success());
      assertFalse(answer.inline());
      assertEquals(result.length, answer.resultSize());
      assertEquals(0, answer.size(), "no bytes came inline");
      AtomicLong reported = new AtomicLong();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      client.readResult(answer, out, (received, total) -> reported.set(received));
      assertArrayEquals(result, out.toByteArray());
      assertEquals(result.length, reported.get());
    }
  }

  @Test
  void aCallerWhoMayNotReadTheBlobIsRefusedInOneLine() {
    try (MeshClient stranger = client(Identity.generate())) {
      JobResult answer = stranger.result(JOB, Duration.ZERO);
      MeshClientException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              MeshClientException.class,
              () -> stranger.readResult(answer, dir.resolve("stolen.bin"), DownloadProgress.NONE));
      assertEquals("BLOB_ACCESS_DENIED", e.reason().orElse(""));
      assertFalse(e.getMessage().contains("\n"));
      assertFalse(Files.exists(dir.resolve("stolen.bin")));
      assertFalse(Files.exists(dir.resolve("stolen.bin.part")));
    }
  }

  private MeshClient client(Identity identity) {
    MeshClientOptions options =
        MeshClientOptions.newBuilder()
            .identity(identity)
            .callDeadline(Duration.ofSeconds(20))
            .build();
    return MeshClient.over(
        blobs.orchestrator(mesh.computeChannel()), mesh.ledgerChannel(), options);
  }
}
