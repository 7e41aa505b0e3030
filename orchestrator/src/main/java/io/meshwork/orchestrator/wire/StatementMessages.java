package io.meshwork.orchestrator.wire;

import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.jobs.UnsignedJobStatement;
import io.meshwork.receipt.format.JobStatement;

/** Job statements between the domain's {@link UnsignedJobStatement} and the signed encoding. */
public final class StatementMessages {
  private StatementMessages() {}

  /** The statement signed by {@code orchestrator}, whose DID the statement must name. */
  public static JobStatement signed(UnsignedJobStatement s, Identity orchestrator) {
    return new JobStatement(
            s.jobId(),
            s.orchestratorDid(),
            s.moduleCid(),
            s.inputCid(),
            s.resultCid(),
            s.chunkCount(),
            s.chunkRoot(),
            s.levels().stream()
                .map(
                    l ->
                        new JobStatement.Level(
                            l.path(),
                            l.orchestratorDid(),
                            l.firstChunk(),
                            l.chunkCount(),
                            l.childCount(),
                            l.childrenRoot(),
                            l.combine(),
                            l.resultCid()))
                .toList(),
            s.receiptCids(),
            new byte[0])
        .signedBy(orchestrator);
  }
}
