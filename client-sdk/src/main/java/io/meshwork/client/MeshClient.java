package io.meshwork.client;

import io.grpc.Channel;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.HistoryEntry;
import io.meshwork.receipt.v1.GetCheckpointResponse;
import io.meshwork.receipt.v1.GetInclusionProofResponse;
import io.meshwork.receipt.v1.GetLeavesResponse;
import io.meshwork.receipt.v1.GetReceiptResponse;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
   *     is taken by a different job, {@code RESOURCE_EXHAUSTED} {@link
   *     MeshClientException#MESSAGE_TOO_LARGE} at once when the job (its inline input, above all)
   *     is larger than a message may be, on this side or the orchestrator's
   */
  String submit(JobRequest job);

  /**
   * Uploads a file as a blob to the orchestrator's blob service (docs/BLOBS.md) and returns it; a
   * job takes it as its input with {@link JobRequest.Builder#inputCid(String)}.
   *
   * <p>The file is streamed in frames of the service's {@code max_frame_bytes} as the connection
   * takes them, never read whole. A broken stream ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED},
   * a reset connection) is resumed from the offset the service acknowledged, after a back-off, up
   * to a few failed calls in a row. The upload's request id is derived from the file's real path,
   * size and modification time, so uploading the same file again, from another process too,
   * continues the same upload, or returns its blob at once when it completed.
   *
   * <p>Unary calls carry the options' call deadline; each {@code Upload} call carries the call
   * deadline plus one second per MiB it has to send (a floor rate of 1 MiB/s), and a call that
   * reaches it is resumed like a broken one.
   *
   * @param progress hears the bytes sent (see {@link UploadProgress}); {@link UploadProgress#NONE}
   * @throws MeshClientException when the service refuses the upload ({@code RESOURCE_EXHAUSTED}
   *     {@code QUOTA_EXCEEDED}, {@code INVALID_ARGUMENT} {@code BLOB_TOO_LARGE}, ...), when the
   *     stream broke too often in a row ({@link MeshClientException#UPLOAD_INTERRUPTED}), or when
   *     the file changed while it was sent ({@link MeshClientException#FILE_CHANGED})
   * @throws java.io.UncheckedIOException when the file cannot be read
   */
  Blob upload(Path file, UploadProgress progress);

  /**
   * Uploads a file as {@link #upload(Path, UploadProgress)} does, declaring the CID its bytes must
   * have: the service refuses other bytes ({@code INVALID_ARGUMENT} {@code CID_MISMATCH}), and an
   * owner who already holds that blob gets it back without sending a byte. Only worth it when the
   * CID is known already; hashing the file just for this would read it twice.
   */
  Blob upload(Path file, String expectedCid, UploadProgress progress);

  /** Uploads a file as a blob, without listening to its progress. */
  default Blob upload(Path file) {
    return upload(file, UploadProgress.NONE);
  }

  /** Returns the job's current status. */
  ComputeJobStatus status(String jobId);

  /**
   * How each task of the job was placed: every bid with its score, the winner and why, why each
   * other bid lost, which executors could not take it and why, and how each attempt ended.
   */
  List<io.meshwork.compute.v1.TaskPlacement> placements(String jobId);

  /**
   * The job's delegation tree: every task at every orchestrator it passed, with its part of the
   * input, the executor or peer it went to, how it ended and what it cost.
   */
  List<io.meshwork.compute.v1.DelegationNode> tree(String jobId);

  /**
   * Streams the job's status until it ends; close the returned watch to stop early. The stream has
   * no deadline: it lasts as long as the job.
   */
  JobWatch watch(String jobId);

  /**
   * Returns the job's result, waiting up to {@code wait} for the job to end. A job still running
   * after {@code wait} gives a result whose {@link JobResult#success()} is false. A wait longer
   * than the orchestrator's longest ({@code orchestrator.max-result-wait-ms}) is made of several
   * calls.
   *
   * @throws MeshClientException with reason {@link MeshClientException#RESULT_CID_MISMATCH} when
   *     the bytes do not match the CID the orchestrator gave for them
   */
  JobResult result(String jobId, Duration wait);

  /**
   * Writes the bytes of a completed job's result to {@code out}, whatever their size: a result that
   * came inline at once, a stored one (larger than the orchestrator's {@code
   * orchestrator.inline-result-bytes}) streamed from the orchestrator's blob service frame by
   * frame, every call under a deadline (the call deadline plus a second per MiB), resumed from the
   * next byte after a broken stream, and checked against the result's CID. Nothing holds it whole.
   *
   * @throws MeshClientException {@link MeshClientException#NO_RESULT} for a job that did not
   *     complete; {@link MeshClientException#RESULT_CID_MISMATCH} when the bytes are not the CID's
   *     (some are written by then); the blob service's reason when it refuses
   * @throws java.io.UncheckedIOException when {@code out} cannot be written
   */
  void readResult(JobResult result, OutputStream out, DownloadProgress progress);

  /**
   * Writes a completed job's result to {@code file}, all of it or nothing: the bytes go to {@code
   * file} with {@code .part} appended, which is moved into place once they are checked and removed
   * otherwise.
   */
  default void readResult(JobResult result, Path file, DownloadProgress progress) {
    Path part = file.resolveSibling(file.getFileName() + ".part");
    boolean done = false;
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(part), 1 << 16)) {
        readResult(result, out, progress);
      }
      Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
      done = true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException ignored) {
          // Only a leftover .part file; the failure that brought us here is what the caller hears.
        }
      }
    }
  }

  /** Fetches the job's result at once (without waiting) and writes it to {@code file}. */
  default JobResult readResult(String jobId, Path file, DownloadProgress progress) {
    JobResult result = result(jobId, Duration.ZERO);
    readResult(result, file, progress);
    return result;
  }

  /**
   * Returns up to {@code limit} of the caller's jobs, newest first, as many ListJobs pages as that
   * takes; an operator's are every submitter's. A running job's status is current; an ended job's
   * has no priority or verification mode (its {@link #status} has them).
   */
  List<ComputeJobStatus> jobs(int limit);

  /**
   * The same client, asynchronous: the calls return {@link java.util.concurrent.CompletableFuture}s
   * over the same connections and identity. Closing this client closes it too.
   */
  AsyncMeshClient async();

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

  /**
   * Fetches the proof bundle of every receipt behind {@code result} from the receipt log, keyed by
   * receipt CID, for {@link ReceiptProofVerifier#verify(JobResult, Map)} to check offline, now or
   * later.
   */
  default Map<String, String> proofBundles(JobResult result) {
    Map<String, String> bundles = new LinkedHashMap<>();
    for (io.meshwork.compute.v1.ReceiptRef ref : result.receipts()) {
      bundles.put(ref.getReceiptCid(), inclusionProof(ref.getReceiptCid()).getProofBundle());
    }
    return bundles;
  }

  /** Returns the receipt log's latest signed checkpoint and the verifier key it reports. */
  GetCheckpointResponse checkpoint();

  /** Returns up to {@code count} (1 to 1000) leaves of the receipt log from {@code startIndex}. */
  GetLeavesResponse leaves(long startIndex, int count);

  /**
   * Lists the executors of the orchestrator's membership, with their state, load and last
   * heartbeat, in the orchestrator's order. For operators: the orchestrator refuses anyone else
   * with {@code PERMISSION_DENIED}.
   *
   * @param includeLeft whether to include members that left
   */
  List<ExecutorMember> members(boolean includeLeft);

  /**
   * Makes a join token at the orchestrator, for an executor on another host to join with. For
   * operators.
   *
   * @param validFor how long the token admits joins, rounded up to whole seconds; null or zero for
   *     the orchestrator's default
   * @param uses how many joins it admits; 0 for one
   * @param description a note for the operator's records; may be null
   */
  JoinToken createJoinToken(Duration validFor, int uses, String description);

  /**
   * Asks the orchestrator to drain a member: it stops getting work, finishes its tasks and leaves.
   * Returns the member's state after the request. For operators.
   *
   * @throws MeshClientException {@code NOT_FOUND} when the orchestrator has no such member
   */
  ExecutorMember.State drain(String executorDid);

  /** Releases the connections this client opened; channels given to it stay open. */
  @Override
  void close();
}
