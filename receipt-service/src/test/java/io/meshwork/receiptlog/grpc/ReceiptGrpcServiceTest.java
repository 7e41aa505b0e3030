package io.meshwork.receiptlog.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.format.Checkpoint;
import io.meshwork.receipt.format.ProofBundle;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.GetCheckpointRequest;
import io.meshwork.receipt.v1.GetCheckpointResponse;
import io.meshwork.receipt.v1.GetConsistencyProofRequest;
import io.meshwork.receipt.v1.GetConsistencyProofResponse;
import io.meshwork.receipt.v1.GetInclusionProofRequest;
import io.meshwork.receipt.v1.GetInclusionProofResponse;
import io.meshwork.receipt.v1.GetReceiptRequest;
import io.meshwork.receipt.v1.GetReceiptResponse;
import io.meshwork.receipt.v1.ListReceiptsByJobRequest;
import io.meshwork.receipt.v1.ListReceiptsByJobResponse;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receipt.v1.ReceiptServiceGrpc.ReceiptServiceBlockingStub;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receipt service over the in-process transport with the production wiring: {@link ServiceHost}
 * with its authentication interceptor, the SQLite store and the real log.
 */
class ReceiptGrpcServiceTest {
  private static final String ORIGIN = "grpc.test/receipts";

  @TempDir Path dir;

  private final Identity orchestrator = Identity.generate();
  private final Identity executor = Identity.generate();
  private final Identity outsider = Identity.generate();
  private ServiceHost host;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    String name = InProcessServerBuilder.generateName();
    MapSettings settings =
        new MapSettings(
            Map.of(
                "data-dir",
                dir.toString(),
                "receipts.origin",
                ORIGIN,
                "auth.orchestrators",
                orchestrator.did(),
                "auth.executors",
                executor.did()));
    host =
        ServiceHost.start(
            "receipts",
            ReceiptSettings.SCHEMA,
            settings,
            ReceiptService::create,
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    host.close();
  }

  private ReceiptServiceBlockingStub as(Identity who) {
    return ReceiptServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(new BearerCredentials(who));
  }

  private byte[] logPublicKey() {
    return host.context().identity().publicKey();
  }

  @Test
  void anchorsAndProvesOverGrpc() throws Exception {
    List<ExecutionReceipt> receipts =
        IntStream.range(0, 3)
            .mapToObj(i -> TestReceipts.signed(executor, "job-g", "task-" + i))
            .toList();

    List<ExecutionReceiptAvailableV1> anchored =
        as(orchestrator)
            .anchorReceipts(AnchorReceiptsRequest.newBuilder().addAllReceipts(receipts).build())
            .getAnchoredList();

    assertEquals(3, anchored.size());
    String cid = anchored.get(1).getReceiptCid();
    assertEquals(ReceiptCodec.cid(receipts.get(1)), cid);

    // Reading is open to any authenticated caller, not only services.
    ReceiptServiceBlockingStub reader = as(outsider);
    GetReceiptResponse got = reader.getReceipt(GetReceiptRequest.newBuilder().setCid(cid).build());
    assertEquals(receipts.get(1), got.getReceipt());
    assertEquals(1, got.getLogIndex());

    GetCheckpointResponse checkpoint =
        reader.getCheckpoint(GetCheckpointRequest.getDefaultInstance());
    assertEquals(ORIGIN, checkpoint.getOrigin());
    assertEquals(3, checkpoint.getTreeSize());

    GetInclusionProofResponse proof =
        reader.getInclusionProof(GetInclusionProofRequest.newBuilder().setCid(cid).build());
    assertEquals(1, proof.getLogIndex());
    assertEquals(3, proof.getTreeSize());

    // Offline check from the bundle alone plus the receipt's leaf and the log's key.
    ProofBundle bundle = ProofBundle.parse(proof.getProofBundle());
    Checkpoint cp =
        Checkpoint.parse(SignedNote.verify(bundle.checkpoint(), ORIGIN, logPublicKey()));
    MerkleProofs.verifyInclusion(
        bundle.index(),
        cp.treeSize(),
        MerkleHash.leaf(got.getLeaf().toByteArray()),
        bundle.path(),
        cp.rootHash());

    as(orchestrator)
        .anchorReceipts(
            AnchorReceiptsRequest.newBuilder()
                .addReceipts(TestReceipts.signed(executor, "job-g", "task-3"))
                .build());
    GetConsistencyProofResponse consistency =
        reader.getConsistencyProof(GetConsistencyProofRequest.newBuilder().setFromSize(3).build());
    assertEquals(4, consistency.getToSize());
    GetCheckpointResponse newer = reader.getCheckpoint(GetCheckpointRequest.getDefaultInstance());
    MerkleProofs.verifyConsistency(
        3,
        4,
        checkpoint.getRootHash().toByteArray(),
        newer.getRootHash().toByteArray(),
        consistency.getPathList().stream().map(ByteString::toByteArray).toList());

    ListReceiptsByJobResponse page =
        reader.listReceiptsByJob(
            ListReceiptsByJobRequest.newBuilder().setJobId("job-g").setPageSize(3).build());
    assertEquals(3, page.getReceiptsCount());
    assertTrue(!page.getNextPageToken().isEmpty());
    ListReceiptsByJobResponse rest =
        reader.listReceiptsByJob(
            ListReceiptsByJobRequest.newBuilder()
                .setJobId("job-g")
                .setPageToken(page.getNextPageToken())
                .build());
    assertEquals(1, rest.getReceiptsCount());
    assertEquals(3, rest.getReceipts(0).getLogIndex());
    assertEquals("", rest.getNextPageToken());
  }

  @Test
  void onlyOrchestratorsMayAnchor() {
    AnchorReceiptsRequest request =
        AnchorReceiptsRequest.newBuilder()
            .addReceipts(TestReceipts.signed(executor, "job", "task"))
            .build();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> as(outsider).anchorReceipts(request));

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("ROLE_REQUIRED", errorInfo(e).getReason());
    assertEquals("orchestrator", errorInfo(e).getMetadataMap().get("allowed_roles"));
    // A member executor is no orchestrator either: it cannot anchor its own receipts.
    StatusRuntimeException self =
        assertThrows(StatusRuntimeException.class, () -> as(executor).anchorReceipts(request));
    assertEquals("ROLE_REQUIRED", errorInfo(self).getReason());
  }

  @Test
  void readsNeedNoTokenButAnchoringDoes() {
    ReceiptServiceBlockingStub anonymous = ReceiptServiceGrpc.newBlockingStub(channel);
    assertEquals(
        ORIGIN, anonymous.getCheckpoint(GetCheckpointRequest.getDefaultInstance()).getOrigin());

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                anonymous.anchorReceipts(
                    AnchorReceiptsRequest.newBuilder()
                        .addReceipts(TestReceipts.signed(executor, "job", "task"))
                        .build()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void mapsDomainFailuresToStatuses() {
    ExecutionReceipt good = TestReceipts.signed(executor, "job", "task");
    ExecutionReceipt tampered = good.toBuilder().setOutputCid(good.getInputCid()).build();
    StatusRuntimeException invalid =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                as(orchestrator)
                    .anchorReceipts(
                        AnchorReceiptsRequest.newBuilder().addReceipts(tampered).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
    assertEquals("RECEIPT_INVALID", errorInfo(invalid).getReason());
    assertTrue(errorInfo(invalid).getMetadataMap().containsKey("check"));

    ExecutionReceipt foreign = TestReceipts.signed(outsider, "job", "task");
    StatusRuntimeException unknown =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                as(orchestrator)
                    .anchorReceipts(
                        AnchorReceiptsRequest.newBuilder().addReceipts(foreign).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, unknown.getStatus().getCode());
    assertEquals("UNKNOWN_EXECUTOR", errorInfo(unknown).getReason());

    StatusRuntimeException missing =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                as(outsider)
                    .getInclusionProof(
                        GetInclusionProofRequest.newBuilder().setCid("bafkreinotthere").build()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    assertEquals("RECEIPT_NOT_FOUND", errorInfo(missing).getReason());
  }

  @Test
  void validatesFieldsNamingThem() {
    assertInvalidField(
        "receipts",
        () -> as(orchestrator).anchorReceipts(AnchorReceiptsRequest.getDefaultInstance()));
    ExecutionReceipt r = TestReceipts.signed(executor, "job", "task");
    AnchorReceiptsRequest.Builder tooMany = AnchorReceiptsRequest.newBuilder();
    for (int i = 0; i < ReceiptGrpcService.MAX_RECEIPTS_PER_CALL + 1; i++) {
      tooMany.addReceipts(r);
    }
    assertInvalidField("receipts", () -> as(orchestrator).anchorReceipts(tooMany.build()));
    ExecutionReceipt huge = r.toBuilder().setEngine("x".repeat(20_000)).build();
    assertInvalidField(
        "receipts[0]",
        () ->
            as(orchestrator)
                .anchorReceipts(AnchorReceiptsRequest.newBuilder().addReceipts(huge).build()));
    assertInvalidField(
        "cid", () -> as(outsider).getReceipt(GetReceiptRequest.getDefaultInstance()));
    assertInvalidField(
        "cid", () -> as(outsider).getInclusionProof(GetInclusionProofRequest.getDefaultInstance()));
    assertInvalidField(
        "from_size",
        () -> as(outsider).getConsistencyProof(GetConsistencyProofRequest.getDefaultInstance()));
    assertInvalidField(
        "job_id",
        () -> as(outsider).listReceiptsByJob(ListReceiptsByJobRequest.getDefaultInstance()));
    assertInvalidField(
        "page_size",
        () ->
            as(outsider)
                .listReceiptsByJob(
                    ListReceiptsByJobRequest.newBuilder().setJobId("j").setPageSize(1001).build()));
    assertInvalidField(
        "page_token",
        () ->
            as(outsider)
                .listReceiptsByJob(
                    ListReceiptsByJobRequest.newBuilder()
                        .setJobId("j")
                        .setPageToken("not-a-token")
                        .build()));
  }

  private static void assertInvalidField(String field, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    assertEquals(field, errorInfo(e).getMetadataMap().get("field"), e.toString());
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return detail.unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
          throw new AssertionError(ex);
        }
      }
    }
    throw new AssertionError("no ErrorInfo in " + e);
  }
}
