package io.meshwork.client;

import io.meshwork.compute.v1.GetJobResultResponse;
import io.meshwork.compute.v1.SubmitJobRequest;
import io.meshwork.compute.v1.SubmitJobResponse;
import io.meshwork.content.Cid;

/**
 * What the blocking and the asynchronous clients do alike around a call: the submission of a job
 * checked against the message limit before it is sent and its refusals named, and a result answer
 * checked (its bytes against their CID, chunk proofs against the Merkle root) before it becomes a
 * {@link JobResult}.
 */
final class JobAnswers {
  private JobAnswers() {}

  /**
   * The SubmitJob request of {@code job}; refused here, before anything is sent, when it is larger
   * than a message may be on this side.
   */
  static SubmitJobRequest submitRequest(JobRequest job, MeshClientOptions options) {
    SubmitJobRequest request = SubmitJobRequest.newBuilder().setManifest(job.toManifest()).build();
    // Checked here rather than left to gRPC: a message over the stub's outbound limit makes
    // grpc-java throw inside its own executor (grpc/grpc-java#12109), which logs a stack trace
    // and leaves the blocking call waiting forever, past its deadline.
    int size = request.getSerializedSize();
    if (size > options.maxMessageBytes()) {
      throw new MeshClientException(
          io.grpc.Status.Code.RESOURCE_EXHAUSTED,
          MeshClientException.MESSAGE_TOO_LARGE,
          tooLarge(job, size, "the client's limit of " + options.maxMessageBytes() + " bytes"));
    }
    return request;
  }

  /**
   * The failure of a submission as the caller should hear it: the server refuses a message over its
   * limit with a bare status, no reason, which is named here.
   */
  static MeshClientException submitFailure(
      JobRequest job, SubmitJobRequest request, MeshClientException e) {
    if (e.code() == io.grpc.Status.Code.RESOURCE_EXHAUSTED && e.reason().isEmpty()) {
      return new MeshClientException(
          e.code(),
          MeshClientException.MESSAGE_TOO_LARGE,
          tooLarge(
              job,
              request.getSerializedSize(),
              "what the orchestrator accepts (" + e.getMessage() + ")"),
          e);
    }
    return e;
  }

  /** The id of the job a SubmitJob answer accepted; refused as JOB_NOT_ACCEPTED otherwise. */
  static String submitted(SubmitJobResponse response) {
    if (!response.getSuccess()) {
      throw new MeshClientException(
          io.grpc.Status.Code.FAILED_PRECONDITION,
          MeshClientException.JOB_NOT_ACCEPTED,
          response.getErrorMsg().isEmpty() ? "the job was not accepted" : response.getErrorMsg());
    }
    return response.getJobId();
  }

  private static String tooLarge(JobRequest job, int size, String limit) {
    String what =
        job.input().size() > job.wasmModule().size()
            ? "send the input as a blob instead (MeshClient.upload, then JobRequest.inputCid;"
                + " meshwork submit does so for input files over 1 MiB)"
            : "the module is most of it: make it smaller";
    return "the job is "
        + size
        + " bytes (module "
        + job.wasmModule().size()
        + ", inline input "
        + job.input().size()
        + "), more than "
        + limit
        + "; "
        + what;
  }

  /**
   * A GetJobResult answer as a {@link JobResult}, once its inline bytes match their CID and, with
   * merkle verification, every chunk result proves into the Merkle root.
   */
  static JobResult result(String jobId, GetJobResultResponse response) {
    byte[] bytes = response.getResult().toByteArray();
    String cid = response.getResultCid();
    // The orchestrator is one node of the mesh; the bytes are checked against their own name
    // rather than trusted (a stored result's as they are read).
    if (!cid.isEmpty() && !response.getResultStored() && !Cid.matches(cid, bytes)) {
      throw new MeshClientException(
          io.grpc.Status.Code.DATA_LOSS,
          MeshClientException.RESULT_CID_MISMATCH,
          "the result of job "
              + jobId
              + " does not match its CID "
              + cid
              + " (the bytes hash to "
              + Cid.of(bytes)
              + ")");
    }
    checkChunkProofs(jobId, response);
    return new JobResult(
        jobId,
        response.getResult(),
        response.getSuccess(),
        response.getErrorMsg(),
        response.getReceiptsList(),
        cid,
        response.getStatus(),
        response.getMerkleRoot(),
        response.getChunkProofsList(),
        response.getResultStored() ? response.getResultSize() : bytes.length,
        response.getResultStored(),
        response.hasJobStatement() ? response.getJobStatement() : null);
  }

  /** With merkle verification, every chunk result must lead to the root through its proof. */
  private static void checkChunkProofs(String jobId, GetJobResultResponse response) {
    if (response.getMerkleRoot().isEmpty()) {
      return;
    }
    byte[] root;
    try {
      root = java.util.HexFormat.of().parseHex(response.getMerkleRoot());
    } catch (IllegalArgumentException e) {
      throw new MeshClientException(
          io.grpc.Status.Code.DATA_LOSS,
          MeshClientException.CHUNK_PROOF_MISMATCH,
          "the Merkle root of job " + jobId + " is not hex: " + response.getMerkleRoot());
    }
    for (io.meshwork.compute.v1.ChunkProof p : response.getChunkProofsList()) {
      byte[] chunk = p.getResult().toByteArray();
      try {
        if (!Cid.matches(p.getResultCid(), chunk)) {
          throw new io.meshwork.content.ProofException("the chunk bytes do not match its CID");
        }
        // Leaves are the chunk results' CIDs (docs/RECEIPTS.md, "Job statements").
        io.meshwork.content.ResultTree.verifyInclusion(
            p.getResultCid(),
            p.getChunkIndex(),
            p.getTreeSize(),
            p.getInclusionPathList().stream()
                .map(com.google.protobuf.ByteString::toByteArray)
                .toList(),
            root);
      } catch (io.meshwork.content.ProofException e) {
        throw new MeshClientException(
            io.grpc.Status.Code.DATA_LOSS,
            MeshClientException.CHUNK_PROOF_MISMATCH,
            "chunk "
                + p.getChunkIndex()
                + " of job "
                + jobId
                + " does not prove into the Merkle root: "
                + e.getMessage());
      }
    }
  }
}
