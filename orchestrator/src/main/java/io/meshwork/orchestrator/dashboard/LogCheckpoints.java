package io.meshwork.orchestrator.dashboard;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.meshwork.receipt.v1.GetCheckpointRequest;
import io.meshwork.receipt.v1.GetCheckpointResponse;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The receipt log's latest signed checkpoint, as the dashboard shows it: asked of the log with its
 * public {@code GetCheckpoint}, at most once a second however many pages poll.
 */
public final class LogCheckpoints {
  private static final long FRESH_MILLIS = 1_000;
  private static final long DEADLINE_MILLIS = 3_000;

  private final ReceiptServiceGrpc.ReceiptServiceBlockingStub log;
  private final Clock clock;
  private Checkpoint last;
  private long askedAt;

  /**
   * The log's checkpoint, or why there is none.
   *
   * @param treeSize how many receipts the log holds
   * @param rootHash the RFC 9162 root of those, hex
   * @param signedNote the checkpoint as a C2SP signed note
   * @param error why the log could not be read; empty when it was
   */
  public record Checkpoint(
      String origin,
      long treeSize,
      String rootHash,
      String signedNote,
      String verifierKey,
      long readAt,
      String error) {}

  /** Reads the log on {@code channel}. */
  public LogCheckpoints(Channel channel, CallCredentials credentials, Clock clock) {
    this.log = ReceiptServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
    this.clock = clock;
  }

  /** The latest checkpoint, asked again when the last answer is over a second old. */
  public synchronized Checkpoint latest() {
    long now = clock.millis();
    if (last != null && now - askedAt < FRESH_MILLIS) {
      return last;
    }
    askedAt = now;
    try {
      GetCheckpointResponse r =
          log.withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
              .getCheckpoint(GetCheckpointRequest.getDefaultInstance());
      last =
          new Checkpoint(
              r.getOrigin(),
              r.getTreeSize(),
              HexFormat.of().formatHex(r.getRootHash().toByteArray()),
              r.getSignedNote(),
              r.getVerifierKey(),
              now,
              "");
    } catch (StatusRuntimeException e) {
      last =
          new Checkpoint(
              "", 0, "", "", "", now, "the receipt log did not answer: " + e.getStatus());
    }
    return last;
  }
}
