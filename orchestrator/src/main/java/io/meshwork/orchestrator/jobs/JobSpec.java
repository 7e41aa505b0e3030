package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.wasm.abi.ModuleInfo;
import io.meshwork.wasm.abi.SplitStrategy;

/**
 * A validated job: the manifest's values after defaults were applied and every field checked.
 *
 * @param moduleCid CIDv1 of the module
 * @param moduleInfo what validation learned about the module (split and merge exports)
 * @param operationWeight the manifest's hint of cost per input byte (1.0 = a plain scan); 0 when
 *     the client gave none
 * @param chunkPrefix the bytes that go before every execute chunk of a host-side split (empty for
 *     none); always empty with the module's own split
 */
record JobSpec(
    String jobId,
    String submitterDid,
    byte[] module,
    String moduleCid,
    ModuleInfo moduleInfo,
    JobInput input,
    SplitStrategy splitStrategy,
    long minChunkSize,
    long maxChunkSize,
    VerificationMode verification,
    int timeoutSecs,
    int retryCount,
    Priority priority,
    int redundancy,
    long manaBudget,
    String operationType,
    Limits limits,
    byte[] manifestDigest,
    double operationWeight,
    byte[] chunkPrefix) {

  /** The same job on {@code other} input (a fetched URL input, now a stored blob). */
  JobSpec withInput(JobInput other) {
    return new JobSpec(
        jobId,
        submitterDid,
        module,
        moduleCid,
        moduleInfo,
        other,
        splitStrategy,
        minChunkSize,
        maxChunkSize,
        verification,
        timeoutSecs,
        retryCount,
        priority,
        redundancy,
        manaBudget,
        operationType,
        limits,
        manifestDigest,
        operationWeight,
        chunkPrefix);
  }
}
