package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Limits;

/**
 * A job as its submitter described it (the Cap'n Proto ComputeJobManifest), before defaults and
 * checks; {@link ManifestValidator} turns it into a {@link JobSpec}. Zero and empty values mean
 * "the mesh's default".
 *
 * @param jobId the submitter's id for the job, or "" for one chosen here
 * @param inputCid the CID of the stored blob that is the input, or ""
 * @param inputUrl the URL to fetch the input from, or ""
 * @param inputSha256 the hex SHA-256 the fetched input must have, or "" for no check
 * @param operationType the manifest's complexity hint: what kind of work it is, or ""
 * @param operationWeight the manifest's complexity hint: cost per input byte, or 0 for none
 * @param limits the limits asked for; a zero field takes the operator's default
 * @param digest SHA-256 over the manifest as submitted, so that a resubmission of the same job can
 *     be told from a different job reusing its id
 * @param chunkPrefix the bytes to put before every chunk of a host-side split, or empty
 */
public record JobManifest(
    String jobId,
    byte[] wasmModule,
    byte[] inputData,
    String inputCid,
    String inputUrl,
    String inputSha256,
    String splitStrategy,
    long minChunkSize,
    long maxChunkSize,
    String verificationMode,
    int timeoutSecs,
    int retryCount,
    String priority,
    int redundancy,
    long manaBudget,
    String operationType,
    double operationWeight,
    Limits limits,
    byte[] digest,
    byte[] chunkPrefix) {

  /** The same manifest under the job id {@code id} (the one chosen when it had none). */
  public JobManifest withJobId(String id) {
    return new JobManifest(
        id,
        wasmModule,
        inputData,
        inputCid,
        inputUrl,
        inputSha256,
        splitStrategy,
        minChunkSize,
        maxChunkSize,
        verificationMode,
        timeoutSecs,
        retryCount,
        priority,
        redundancy,
        manaBudget,
        operationType,
        operationWeight,
        limits,
        digest,
        chunkPrefix);
  }
}
