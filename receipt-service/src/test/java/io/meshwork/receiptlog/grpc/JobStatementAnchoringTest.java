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
import io.meshwork.content.Cid;
import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.content.ResultTree;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.format.Checkpoint;
import io.meshwork.receipt.format.JobStatement;
import io.meshwork.receipt.format.LogAudit;
import io.meshwork.receipt.format.ProofBundle;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.v1.AnchorJobStatementRequest;
import io.meshwork.receipt.v1.AnchorJobStatementResponse;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.GetInclusionProofRequest;
import io.meshwork.receipt.v1.GetLeavesRequest;
import io.meshwork.receipt.v1.GetReceiptRequest;
import io.meshwork.receipt.v1.ListReceiptsByJobRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receipt.v1.ReceiptServiceGrpc.ReceiptServiceBlockingStub;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code AnchorJobStatement} over the production wiring: the log takes an orchestrator's signed
 * statement of its own job, logs it content-addressed beside the receipts with a proof against a
 * signed checkpoint, and refuses one that is not canonical, not signed, or someone else's.
 */
class JobStatementAnchoringTest {
  private static final String ORIGIN = "statements.test/receipts";

  @TempDir Path dir;

  private final Identity orchestrator = Identity.generate();
  private final Identity otherOrchestrator = Identity.generate();
  private final Identity executor = Identity.generate();
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
                orchestrator.did() + "," + otherOrchestrator.did(),
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

  @Test
  void anOrchestratorsStatementIsAnchoredProvenAndKeptOnce() throws Exception {
    ExecutionReceipt receipt = TestReceipts.signed(executor, "job-s", "job-s:0");
    as(orchestrator)
        .anchorReceipts(AnchorReceiptsRequest.newBuilder().addReceipts(receipt).build());
    JobStatement statement =
        statement(orchestrator, ReceiptCodec.cid(receipt)).signedBy(orchestrator);

    AnchorJobStatementResponse anchored = anchor(orchestrator, statement.leafBytes());

    assertEquals(statement.cid(), anchored.getCid());
    assertEquals(1, anchored.getLogIndex());
    assertEquals(2, anchored.getTreeSize());
    // The bundle alone, with the log's key, proves the statement is in the log.
    ProofBundle bundle = ProofBundle.parse(anchored.getProofBundle());
    assertTrue(java.util.Arrays.equals(statement.leafBytes(), bundle.extra().orElseThrow()));
    Checkpoint cp =
        Checkpoint.parse(
            SignedNote.verify(bundle.checkpoint(), ORIGIN, host.context().identity().publicKey()));
    MerkleProofs.verifyInclusion(
        bundle.index(),
        cp.treeSize(),
        MerkleHash.leaf(statement.leafBytes()),
        bundle.path(),
        cp.rootHash());

    // Sent again (a retry, or an orchestrator resuming the job): the same place.
    AnchorJobStatementResponse again = anchor(orchestrator, statement.leafBytes());
    assertEquals(1, again.getLogIndex());

    ReceiptServiceBlockingStub reader = ReceiptServiceGrpc.newBlockingStub(channel);
    assertEquals(
        1,
        reader
            .getInclusionProof(
                GetInclusionProofRequest.newBuilder().setCid(statement.cid()).build())
            .getLogIndex());
    StatusRuntimeException notAReceipt =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                reader.getReceipt(GetReceiptRequest.newBuilder().setCid(statement.cid()).build()));
    assertEquals(Status.Code.NOT_FOUND, notAReceipt.getStatus().getCode());
    // The job's receipts are listed without its statement.
    assertEquals(
        1,
        reader
            .listReceiptsByJob(ListReceiptsByJobRequest.newBuilder().setJobId("job-s").build())
            .getReceiptsCount());

    // An auditor recomputing the tree from every leaf takes the statement leaf too.
    LogAudit audit = new LogAudit(true);
    for (ByteString leaf :
        reader.getLeaves(GetLeavesRequest.newBuilder().build()).getLeavesList()) {
      audit.add(leaf.toByteArray());
    }
    audit.requireMatches(cp);
  }

  @Test
  void theLogRefusesWhatIsNotTheCallersOwnValidStatement() {
    JobStatement theirs = statement(otherOrchestrator, null).signedBy(otherOrchestrator);
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> anchor(orchestrator, theirs.leafBytes()));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("STATEMENT_NOT_CALLERS", errorInfo(e).getReason());

    // Claims to be the caller's but carries another key's signature.
    JobStatement forged =
        statement(orchestrator, null).withSignature(otherOrchestrator.sign(new byte[] {1}));
    e = assertThrows(StatusRuntimeException.class, () -> anchor(orchestrator, forged.leafBytes()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("STATEMENT_INVALID", errorInfo(e).getReason());
    assertEquals("signature", errorInfo(e).getMetadataMap().get("check"));

    // A receipt is no statement.
    byte[] receipt = ReceiptCodec.leafBytes(TestReceipts.signed(executor, "job-s", "t"));
    e = assertThrows(StatusRuntimeException.class, () -> anchor(orchestrator, receipt));
    assertEquals("encoding", errorInfo(e).getMetadataMap().get("check"));

    // Over the size limit, and empty.
    e =
        assertThrows(
            StatusRuntimeException.class,
            () -> anchor(orchestrator, new byte[ReceiptGrpcService.MAX_STATEMENT_BYTES + 1]));
    assertEquals("statement", errorInfo(e).getMetadataMap().get("field"));
    e = assertThrows(StatusRuntimeException.class, () -> anchor(orchestrator, new byte[0]));
    assertEquals("statement", errorInfo(e).getMetadataMap().get("field"));

    // An executor is no orchestrator.
    JobStatement own = statement(executor, null).signedBy(executor);
    e = assertThrows(StatusRuntimeException.class, () -> anchor(executor, own.leafBytes()));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("ROLE_REQUIRED", errorInfo(e).getReason());
  }

  private AnchorJobStatementResponse anchor(Identity who, byte[] leaf) {
    return as(who)
        .anchorJobStatement(
            AnchorJobStatementRequest.newBuilder().setStatement(ByteString.copyFrom(leaf)).build());
  }

  private static JobStatement statement(Identity signer, String receiptCid) {
    String result = Cid.of("the 1\n".getBytes(StandardCharsets.UTF_8));
    List<String> chunks = List.of(result);
    return new JobStatement(
        "job-s",
        signer.did(),
        Cid.of("module".getBytes(StandardCharsets.UTF_8)),
        Cid.of("input".getBytes(StandardCharsets.UTF_8)),
        result,
        1,
        ResultTree.root(chunks),
        List.of(
            new JobStatement.Level(
                "",
                signer.did(),
                0,
                1,
                1,
                ResultTree.root(chunks),
                JobStatement.Level.CONCATENATE,
                result)),
        receiptCid == null ? List.of() : List.of(receiptCid),
        new byte[0]);
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
