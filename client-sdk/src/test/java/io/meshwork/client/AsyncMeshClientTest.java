package io.meshwork.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.identity.Identity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The asynchronous client against the in-process fake mesh: futures complete with what the blocking
 * calls return and fail with the same exceptions; a watch streams to its listener and can be
 * cancelled, which cancels the call at the server.
 */
class AsyncMeshClientTest {
  private static final byte[] MODULE = "\0asm".getBytes(StandardCharsets.UTF_8);

  private FakeMesh mesh;
  private MeshClient client;

  @BeforeEach
  void start() throws Exception {
    mesh = new FakeMesh();
    client = mesh.client(MeshClientOptions.newBuilder().identity(Identity.generate()).build());
  }

  @AfterEach
  void stop() {
    client.close();
    mesh.close();
  }

  @Test
  void submitThenResultChainsWithoutBlocking() {
    mesh.results.put(
        "job-1",
        GetJobResultResponse.newBuilder()
            .setSuccess(true)
            .setResult(com.google.protobuf.ByteString.copyFromUtf8("42"))
            .setStatus(FakeMesh.status("job-1", "completed", 1, 1))
            .build());
    AsyncMeshClient mesh = client.async();

    JobResult result =
        mesh.submit(JobRequest.newBuilder().wasmModule(MODULE).input(new byte[0]).build())
            .thenCompose(id -> mesh.result(id, Duration.ofSeconds(5)))
            .orTimeout(30, TimeUnit.SECONDS)
            .join();

    assertEquals("42", new String(result.bytes(), StandardCharsets.UTF_8));
    assertEquals(client.did(), mesh.did());
  }

  @Test
  void aRefusedCallFailsTheFutureWithTheSdksException() {
    CompletionException failed =
        assertThrows(CompletionException.class, () -> client.async().status("ghost").join());

    MeshClientException e = assertInstanceOf(MeshClientException.class, failed.getCause());
    assertEquals(Status.Code.NOT_FOUND, e.code());
    assertEquals(Optional.of("JOB_NOT_FOUND"), e.reason());

    CompletionException refused =
        assertThrows(
            CompletionException.class,
            () ->
                client
                    .async()
                    .submit(
                        JobRequest.newBuilder()
                            .wasmModule("bad module".getBytes(StandardCharsets.UTF_8))
                            .input(new byte[0])
                            .build())
                    .join());
    assertEquals(
        Optional.of(FakeMesh.INVALID_MODULE), ((MeshClientException) refused.getCause()).reason());
  }

  @Test
  void aWatchHandsEveryStatusToItsListenerAndFinishesWithTheLast() {
    mesh.updates.put(
        "j",
        List.of(
            FakeMesh.status("j", "pending", 0, 0),
            FakeMesh.status("j", "computing", 1, 2),
            FakeMesh.status("j", "completed", 2, 2)));
    List<String> heard = new CopyOnWriteArrayList<>();

    JobSubscription watch = client.async().watch("j", s -> heard.add(s.getStatus()));
    ComputeJobStatus last = watch.finished().orTimeout(30, TimeUnit.SECONDS).join();

    assertEquals(List.of("pending", "computing", "completed"), heard);
    assertEquals("completed", last.getStatus());
  }

  @Test
  void cancellingAWatchCancelsTheStreamAtTheServer() throws Exception {
    mesh.updates.put("open", List.of(FakeMesh.status("open", "computing", 1, 4)));
    List<ComputeJobStatus> heard = new CopyOnWriteArrayList<>();

    JobSubscription watch = client.async().watch("open", heard::add);
    while (heard.isEmpty()) {
      Thread.sleep(10);
    }
    watch.cancel();

    assertTrue(mesh.openWatchCancelled.await(30, TimeUnit.SECONDS), "the server saw the cancel");
    assertTrue(watch.finished().isCancelled());
    assertThrows(CancellationException.class, () -> watch.finished().join());
  }

  @Test
  void cancellingAResultFutureStopsWaitingForIt() {
    mesh.results.put(
        "r",
        GetJobResultResponse.newBuilder()
            .setSuccess(false)
            .setStatus(FakeMesh.status("r", "computing", 1, 2))
            .build());

    var waiting = client.async().result("r", Duration.ofHours(1));
    waiting.cancel(true);

    assertTrue(waiting.isCancelled());
    int asked = mesh.resultTimeouts.size();
    // No call follows a cancel: the wait's next call is made only while the future is open.
    assertTrue(asked <= 1, mesh.resultTimeouts.toString());
  }
}
