package io.meshwork.client;

import io.grpc.Channel;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.receipt.v1.GetCheckpointResponse;
import io.meshwork.receipt.v1.GetInclusionProofResponse;
import io.meshwork.receipt.v1.GetLeavesResponse;
import io.meshwork.receipt.v1.GetReceiptResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Submits jobs to a Meshwork mesh and follows them, as one identity.
 *
 * <p>Every call is signed with a fresh bearer token of the client's identity (AUTH.md) and carries
 * the options' call deadline. Every failed call throws a {@link MeshClientException} that holds the
 * gRPC status code, the service's reason and its message. Instances are thread-safe; close the
 * client when done to release its connections.
 *
 * <pre>{@code
 * try (MeshClient mesh = MeshClient.connect(MeshClientOptions.defaults())) {
 *   String jobId = mesh.submit(job);
 *   JobResult result = mesh.result(jobId, Duration.ofMinutes(5));
 * }
 * }</pre>
 */
public interface MeshClient extends AutoCloseable {

  /**
   * Connects to the orchestrator, ledger and receipt log the options name, over TLS (Netty),
   * trusting the options' CA ({@link MeshClientOptions#caCertificate()}). Connections open lazily,
   * on the first call.
   */
  static MeshClient connect(MeshClientOptions options) {
    return GrpcMeshClient.connect(options);
  }

  /**
   * Uses channels the caller made and keeps owning: {@link #close()} leaves them open. Meant for
   * tests over the in-process transport and for code that already holds channels to the mesh.
   */
  static MeshClient over(Channel compute, Channel ledger, Identity identity) {
    return over(compute, ledger, MeshClientOptions.newBuilder().identity(identity).build());
  }

  /**
   * Uses channels the caller made and keeps owning, with the identity, message size and deadline of
   * {@code options} (its targets are not used).
   */
  static MeshClient over(Channel compute, Channel ledger, MeshClientOptions options) {
    return new GrpcMeshClient(compute, ledger, null, options, List.of());
  }

  /**
   * Uses channels the caller made and keeps owning, including one to the receipt log, with the
   * identity, message size and deadline of {@code options}.
   */
  static MeshClient over(
      Channel compute, Channel ledger, Channel receipts, MeshClientOptions options) {
    return new GrpcMeshClient(
        compute,
        ledger,
        java.util.Objects.requireNonNull(receipts, "receipts"),
        options,
        List.of());
  }

  /** The {@code did:key} this client calls as: the owner of its jobs and of its account. */
  String did();

  /**
   * Submits a job and returns its id (the request's own id, or one the orchestrator assigned).
   *
   * @throws MeshClientException {@code INVALID_ARGUMENT} for a bad manifest or module, {@code
   *     FAILED_PRECONDITION} when the budget cannot be held, {@code ALREADY_EXISTS} when the job id
   *     is taken by a different job
   */
  String submit(JobRequest job);

  /** Returns the job's current status. */
  ComputeJobStatus status(String jobId);

  /**
   * How each task of the job was placed: every bid with its score, the winner and why, why each
   * other bid lost, which executors could not take it and why, and how each attempt ended.
   */
  List<io.meshwork.compute.v1.TaskPlacement> placements(String jobId);

  /**
   * Streams the job's status until it ends; close the returned watch to stop early. The stream has
   * no deadline: it lasts as long as the job.
   */
  JobWatch watch(String jobId);

  /**
   * Returns the job's result, waiting up to {@code wait} for the job to end. A job still running
   * after {@code wait} gives a result whose {@link JobResult#success()} is false.
   *
   * @throws MeshClientException with reason {@link MeshClientException#RESULT_CID_MISMATCH} when
   *     the bytes do not match the CID the orchestrator gave for them
   */
  JobResult result(String jobId, Duration wait);

  /** Cancels the job; true if it was running and is now cancelled, false if it had ended. */
  boolean cancel(String jobId);

  /**
   * Returns this client's own mana account: its balances, the pending holds behind what is held,
   * and the ledger's regeneration rule.
   */
  Balance balance();

  /**
   * Returns up to {@code limit} entries of this client's account history, newest first, only those
   * of {@code jobId} when it is given.
   */
  List<HistoryEntry> history(Optional<String> jobId, int limit);

  /**
   * Returns the receipt with this CID from the receipt log, with its index and leaf bytes.
   *
   * @throws MeshClientException {@code NOT_FOUND} when the log holds no such receipt
   */
  GetReceiptResponse receipt(String cid);

  /**
   * Returns the inclusion proof of the receipt with this CID in the log's latest tree, with its
   * C2SP tlog-proof bundle; check the bundle offline with {@code
   * io.meshwork.receipt.format.OfflineVerifier}.
   */
  GetInclusionProofResponse inclusionProof(String cid);

  /** Returns the receipt log's latest signed checkpoint and the verifier key it reports. */
  GetCheckpointResponse checkpoint();

  /** Returns up to {@code count} (1 to 1000) leaves of the receipt log from {@code startIndex}. */
  GetLeavesResponse leaves(long startIndex, int count);

  /** Releases the connections this client opened; channels given to it stay open. */
  @Override
  void close();
}
