package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.SplitStrategy;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.GetModuleRequest;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.GetAccountRequest;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.ReceiptException;
import io.meshwork.receipt.format.ReceiptVerifier;
import io.meshwork.receipt.v1.GetReceiptRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.runtime.tls.TlsTestClients;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the end-to-end tests share: free ports, the example modules, clients, running a word count
 * and checking its count, ledger and receipt-log reads.
 */
final class MeshFixtures {
  private MeshFixtures() {}

  /**
   * A layout for a mesh of {@code executors} executors whose gRPC and admin ports are all free at
   * the time of asking.
   */
  static MeshLayout freeLayout(int executors) {
    return MeshLayout.onFreePorts(executors);
  }

  /** A port that is free at the time of asking. */
  static int freePort() {
    return MeshLayout.freePort();
  }

  /**
   * Waits until the gRPC service on {@code port} reports SERVING over the standard health check,
   * asked over TLS as a client that trusts the CA in {@code caDir}.
   *
   * @param process the service's process, so that one that died fails at once; null if none
   * @throws AssertionError when it does not serve within {@code limit}
   */
  static void awaitServing(int port, Path caDir, java.time.Duration limit, Process process)
      throws InterruptedException {
    awaitServing("127.0.0.1", port, caDir, limit, process);
  }

  /** As {@link #awaitServing(int, Path, java.time.Duration, Process)}, at {@code host}. */
  static void awaitServing(
      String host, int port, Path caDir, java.time.Duration limit, Process process)
      throws InterruptedException {
    long until = System.nanoTime() + limit.toNanos();
    // Services that make the CA themselves at start (meshwork serve) write ca.pem first.
    while (!Files.exists(caDir.resolve("ca.pem"))) {
      if ((process != null && !process.isAlive()) || System.nanoTime() > until) {
        throw new AssertionError("no CA certificate appeared in " + caDir);
      }
      Thread.sleep(100);
    }
    ManagedChannel channel = TlsTestClients.user(host, port, caDir);
    try {
      while (true) {
        try {
          io.grpc.health.v1.HealthCheckResponse r =
              io.grpc.health.v1.HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(1, java.util.concurrent.TimeUnit.SECONDS)
                  .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance());
          if (r.getStatus() == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
        } catch (RuntimeException notYet) {
          if ((process != null && !process.isAlive()) || System.nanoTime() > until) {
            throw new AssertionError("the service on port " + port + " did not start", notYet);
          }
        }
        Thread.sleep(100);
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /** The bundled word-count module. */
  static byte[] wordCount() {
    return example("wordcount");
  }

  /**
   * A word count of {@code text} in chunks of whole lines of at most {@code maxChunkSize} bytes;
   * the caller adds the budget and whatever else its test needs.
   */
  static JobRequest.Builder wordCountJob(byte[] text, long maxChunkSize) {
    return JobRequest.newBuilder()
        .wasmModule(wordCount())
        .input(text)
        .splitStrategy(SplitStrategy.LINES)
        .maxChunkSize(maxChunkSize);
  }

  /**
   * Submits {@code job}, a word count, and waits up to {@code limit} for it; asserts that it
   * succeeded with the count Java finds in its input, and returns the result for further checks.
   */
  static JobResult runWordCount(MeshClient client, JobRequest job, Duration limit) {
    String jobId = client.submit(job);
    return awaitWordCount(client, jobId, job.input().toByteArray(), limit, "job " + jobId);
  }

  /**
   * Waits up to {@code limit} for the word count {@code jobId} of {@code text}; asserts that it
   * succeeded with the count Java finds in {@code text}, and returns the result for further checks.
   *
   * @param what the job as the assertion messages name it
   */
  static JobResult awaitWordCount(
      MeshClient client, String jobId, byte[] text, Duration limit, String what) {
    JobResult result = client.result(jobId, limit);
    assertTrue(result.success(), what + " failed: " + result.error());
    assertEquals(
        Long.toString(SampleText.countWords(text)),
        new String(result.bytes(), StandardCharsets.US_ASCII),
        what + " counted the words wrong");
    return result;
  }

  /** A client for {@code user} against {@code mesh}, over TLS that trusts the mesh's CA. */
  static MeshClient client(DevMesh mesh, Identity user) {
    return client(mesh.layout(), mesh.caCertificate().orElseThrow(), user);
  }

  /**
   * A client for {@code user} against the mesh laid out as {@code layout}, over TLS that trusts the
   * CA certificate {@code ca}, as the SDK's users do.
   */
  static MeshClient client(MeshLayout layout, Path ca, Identity user) {
    return MeshClient.connect(
        MeshClientOptions.newBuilder()
            .orchestratorTarget(layout.target("orchestrator"))
            .ledgerTarget(layout.target("ledger"))
            .receiptTarget(layout.target("receipts"))
            .identity(user)
            .caCertificate(ca)
            .build());
  }

  /** The development CA's folder of a mesh whose data folder is {@code dataDir}. */
  static Path caDir(Path dataDir) {
    return dataDir.resolve(DevMesh.TLS_DIR);
  }

  /** A channel to {@code mesh}'s {@code service} as a user: see {@link #userChannel(int, Path)}. */
  static ManagedChannel userChannel(DevMesh mesh, String service) {
    return userChannel(mesh.endpoint(service).grpcPort(), caDirOf(mesh));
  }

  /**
   * A channel to {@code mesh}'s {@code service} as the party {@code identity}: see {@link
   * #partyChannel(int, Path, Identity)}.
   */
  static ManagedChannel partyChannel(DevMesh mesh, String service, Identity identity) {
    return partyChannel(mesh.endpoint(service).grpcPort(), caDirOf(mesh), identity);
  }

  /** The development CA's folder of a running mesh. */
  static Path caDirOf(DevMesh mesh) {
    return mesh.caCertificate().orElseThrow().getParent();
  }

  /**
   * A channel to a service on loopback {@code port} as a user: TLS trusting the CA in {@code
   * caDir}, no client certificate, so the caller is whoever its bearer token names.
   */
  static ManagedChannel userChannel(int port, Path caDir) {
    return TlsTestClients.user(port, caDir);
  }

  /**
   * A channel to a service on loopback {@code port} as the mesh party {@code identity}: mutual TLS
   * with a certificate the CA in {@code caDir} issues now for {@code identity}, so calls need no
   * token.
   */
  static ManagedChannel partyChannel(int port, Path caDir, Identity identity) {
    return TlsTestClients.party(port, caDir, identity);
  }

  /**
   * Asserts that the gRPC port {@code port} of {@code service} refuses a plaintext client: the
   * public health check and a call with a token both fail to connect, since the port speaks TLS
   * only.
   */
  static void assertRefusesPlaintext(String service, int port) {
    ManagedChannel plaintext =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      StatusRuntimeException health =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  HealthGrpc.newBlockingStub(plaintext)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .check(HealthCheckRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAVAILABLE, health.getStatus().getCode(), service);
      StatusRuntimeException call =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  ComputeServiceGrpc.newBlockingStub(plaintext)
                      .withCallCredentials(new BearerCredentials(Identity.generate()))
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .getModule(GetModuleRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAVAILABLE, call.getStatus().getCode(), service);
    } finally {
      plaintext.shutdownNow();
    }
  }

  /** The ErrorInfo of a refused call: its reason and metadata say why. */
  static ErrorInfo errorInfo(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertNotNull(details, "the refusal carries no status details: " + e);
    for (Any any : details.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class);
        } catch (InvalidProtocolBufferException bad) {
          throw new AssertionError(bad);
        }
      }
    }
    throw new AssertionError("the refusal carries no ErrorInfo: " + details);
  }

  /**
   * Reads each of {@code refs} from the receipt log on {@code receiptPort}, with no token since the
   * log's reads are public, and asserts that it is there under its CID at its log index and signed
   * validly; returns the receipts in the order of {@code refs}, for checks of who signed them.
   */
  static List<ExecutionReceipt> assertAnchored(int receiptPort, Path caDir, List<ReceiptRef> refs)
      throws ReceiptException {
    ManagedChannel channel = userChannel(receiptPort, caDir);
    try {
      var log = ReceiptServiceGrpc.newBlockingStub(channel);
      List<ExecutionReceipt> receipts = new ArrayList<>();
      for (ReceiptRef ref : refs) {
        var stored =
            log.getReceipt(GetReceiptRequest.newBuilder().setCid(ref.getReceiptCid()).build());
        ExecutionReceipt receipt = stored.getReceipt();
        ReceiptVerifier.verify(receipt);
        assertEquals(ref.getReceiptCid(), ReceiptCodec.cid(receipt));
        assertEquals(ref.getLogIndex(), stored.getLogIndex());
        receipts.add(receipt);
      }
      return receipts;
    } finally {
      channel.shutdownNow();
    }
  }

  /** A bundled example module (examples/NAME/NAME.wasm), as the launcher ships it. */
  static byte[] example(String name) {
    try (InputStream in = MeshFixtures.class.getResourceAsStream("/examples/" + name + ".wasm")) {
      if (in == null) {
        throw new IllegalStateException("no bundled example " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A test module of the wasm-abi module's test resources. */
  static byte[] abiTestModule(String name) {
    try {
      return Files.readAllBytes(
          Path.of("..", "wasm-abi", "src", "test", "resources", "modules", name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A test module of the wasm-sandbox module's test resources, by name without .wasm. */
  static byte[] executorTestModule(String name) {
    try {
      return Files.readAllBytes(
          Path.of("..", "wasm-sandbox", "src", "test", "resources", "modules", name + ".wasm"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The posted balance of {@code owner}'s account, read by the owner itself with its token over TLS
   * that trusts the CA in {@code caDir}: an account is its owner's and operators' to read.
   */
  static long balance(int ledgerPort, Path caDir, Identity owner) {
    return balance("127.0.0.1", ledgerPort, caDir, owner);
  }

  /** As {@link #balance(int, Path, Identity)}, of a ledger at {@code host}. */
  static long balance(String host, int ledgerPort, Path caDir, Identity owner) {
    ManagedChannel channel = TlsTestClients.user(host, ledgerPort, caDir);
    try {
      return LedgerServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(new BearerCredentials(owner))
          .getAccount(GetAccountRequest.getDefaultInstance())
          .getAccount()
          .getBalance();
    } finally {
      channel.shutdownNow();
    }
  }

  /** The identity a DevMesh service keeps under {@code dataDir}. */
  static Identity serviceIdentity(Path dataDir, String service) {
    try {
      return Identity.load(dataDir.resolve(service).resolve(service + ".key"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A receipt {@code executor} signs for task {@code taskId}, made up but well formed, finished at
   * {@code finishedAt} (epoch milliseconds): what a party under test would anchor.
   */
  static ExecutionReceipt signedReceipt(Identity executor, String taskId, long finishedAt) {
    byte[] module = "module".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    return io.meshwork.receipt.format.ReceiptSigner.sign(
        ExecutionReceipt.newBuilder()
            .setVersion(1)
            .setTaskId(taskId)
            .setJobId("job-cli")
            .setExecutorDid(executor.did())
            .setModuleCid(io.meshwork.content.Cid.of(module))
            .setInputCid(
                io.meshwork.content.Cid.of(
                    ("input " + taskId).getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
            .setOutputCid(
                io.meshwork.content.Cid.of(
                    ("output " + taskId).getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
            .setFuelUsed(4_321)
            .setLimits(
                io.meshwork.mesh.v1.ResourceLimits.newBuilder()
                    .setFuel(1_000_000)
                    .setMemoryBytes(1 << 20)
                    .setWallTimeMs(5_000)
                    .setStackBytes(1 << 20)
                    .setMaxOutputBytes(1 << 16))
            .setEngine("chicory-compiler")
            .setEngineVersion("1.7.5")
            .setStartedAt(finishedAt - 125)
            .setFinishedAt(finishedAt)
            .setAssignmentId("assign-" + taskId)
            .setOrchestratorDid(executor.did())
            .setExportName("execute")
            .build(),
        executor);
  }
}
