package io.meshwork.receiptlog.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.MemberPeriod;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receipt.v1.ReceiptServiceGrpc.ReceiptServiceBlockingStub;
import io.meshwork.receipt.v1.SyncMembersRequest;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.receiptlog.core.ExecutorMembership;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors an orchestrator vouches for, end to end through the production wiring: an executor the
 * log's {@code auth.executors} does not name is refused until its orchestrator syncs it, anchors
 * while a member, is refused for receipts finished after it left, and the log still knows all this
 * after a restart.
 */
class SyncMembersTest {
  private static final long ADMITTED = 1_700_000_000_000L;
  private static final long LEFT = ADMITTED + 600_000;

  @TempDir Path dir;

  private final Identity orchestrator = Identity.generate();
  private final Identity otherOrchestrator = Identity.generate();
  private final Identity configuredExecutor = Identity.generate();
  private final Identity newcomer = Identity.generate();
  private final AtomicInteger tasks = new AtomicInteger();
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
                "auth.orchestrators",
                orchestrator.did() + "," + otherOrchestrator.did(),
                "auth.executors",
                configuredExecutor.did()));
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

  private void restart() {
    stop();
    start();
  }

  private ReceiptServiceBlockingStub as(Identity who) {
    return ReceiptServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(new BearerCredentials(who));
  }

  private long sync(Identity by, long version, MemberPeriod... members) {
    return as(by)
        .syncMembers(
            SyncMembersRequest.newBuilder()
                .setVersion(version)
                .addAllMembers(List.of(members))
                .build())
        .getVersion();
  }

  private static MemberPeriod period(Identity executor, long admittedAt, long leftAt) {
    return MemberPeriod.newBuilder()
        .setExecutorDid(executor.did())
        .setAdmittedAt(admittedAt)
        .setLeftAt(leftAt)
        .build();
  }

  /** A fresh receipt of {@code executor} finished at {@code finishedAt}. */
  private ExecutionReceipt receipt(Identity executor, long finishedAt) {
    return TestReceipts.signed(executor, "job-m", "task-" + tasks.incrementAndGet(), finishedAt);
  }

  private long anchor(Identity by, ExecutionReceipt receipt) {
    return as(by)
        .anchorReceipts(AnchorReceiptsRequest.newBuilder().addReceipts(receipt).build())
        .getAnchored(0)
        .getLogIndex();
  }

  private void assertRefused(Identity by, ExecutionReceipt receipt) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> anchor(by, receipt));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.toString());
    assertEquals("UNKNOWN_EXECUTOR", errorInfo(e).getReason());
    assertTrue(
        e.getStatus().getDescription().contains("not a member of the anchoring orchestrator's"),
        e.getStatus().getDescription());
  }

  @Test
  void anExecutorAnchorsWhileTheOrchestratorVouchesForIt() {
    long during = ADMITTED + 60_000;
    assertRefused(orchestrator, receipt(newcomer, during));
    // The configured list needs no sync.
    assertEquals(0, anchor(orchestrator, receipt(configuredExecutor, during)));

    assertEquals(1, sync(orchestrator, 1, period(newcomer, ADMITTED, 0)));

    assertEquals(1, anchor(orchestrator, receipt(newcomer, during)));
    // Admitted a little after the executor's clock says it finished: within the slack.
    assertEquals(2, anchor(orchestrator, receipt(newcomer, ADMITTED - 30_000)));
    assertRefused(
        orchestrator, receipt(newcomer, ADMITTED - ExecutorMembership.CLOCK_SLACK_MS - 1));
    // Another orchestrator does not vouch for it.
    assertRefused(otherOrchestrator, receipt(newcomer, during));

    // It leaves: what it signed before still anchors, what it signs after does not.
    ExecutionReceipt beforeLeaving = receipt(newcomer, LEFT - 1_000);
    assertEquals(2, sync(orchestrator, 2, period(newcomer, ADMITTED, LEFT)));
    assertEquals(3, anchor(orchestrator, beforeLeaving));
    ExecutionReceipt afterLeaving =
        receipt(newcomer, LEFT + ExecutorMembership.CLOCK_SLACK_MS + 1_000);
    assertRefused(orchestrator, afterLeaving);

    // A delayed older list does not bring it back; the answer names the version held.
    assertEquals(2, sync(orchestrator, 1, period(newcomer, ADMITTED, 0)));
    assertRefused(orchestrator, afterLeaving);

    // A restarted log still knows the list.
    restart();
    assertEquals(2, sync(orchestrator, 2));
    assertEquals(4, anchor(orchestrator, receipt(newcomer, LEFT - 5_000)));
    assertRefused(orchestrator, afterLeaving);
  }

  @Test
  void onlyOrchestratorsSyncMembers() {
    for (Identity caller : List.of(configuredExecutor, newcomer)) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class, () -> sync(caller, 1, period(caller, ADMITTED, 0)));
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
      assertEquals("ROLE_REQUIRED", errorInfo(e).getReason());
    }
    // Nothing was taken from them.
    assertRefused(orchestrator, receipt(newcomer, ADMITTED));
  }

  @Test
  void refusesABadListNamingTheField() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> sync(orchestrator, 1, period(newcomer, ADMITTED, ADMITTED - 1)));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("members[0].left_at", errorInfo(e).getMetadataMap().get("field"));

    e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                sync(
                    orchestrator,
                    1,
                    MemberPeriod.newBuilder()
                        .setExecutorDid("did:web:example.com")
                        .setAdmittedAt(ADMITTED)
                        .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("members[0].executor_did", errorInfo(e).getMetadataMap().get("field"));
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
