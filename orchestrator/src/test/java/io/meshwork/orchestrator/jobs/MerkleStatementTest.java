package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.meshwork.content.Cid;
import io.meshwork.content.ResultTree;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code merkle} job ends with its statement: issued from the journal once every task is settled,
 * anchored through the receipt log port, journaled, and answered with chunk proofs under the same
 * root. The encoding, the signature and the log's proof are the receipt log's and are checked end
 * to end in dist's {@code MerkleResultProcessTest}.
 */
class MerkleStatementTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  @Test
  void aMerkleJobIsAnsweredWithItsAnchoredStatementAndChunkProofs() throws Exception {
    core.executor("e1");
    core.executor("e2");
    JobCoordinator coordinator = core.start();

    String jobId =
        coordinator.submit(
            job("proven", "the cat\n", "sat on\n", "the mat\n").verification("merkle").manifest(),
            SUBMITTER);
    JobResult result = await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    assertNotNull(result.statement());
    List<UnsignedJobStatement> anchored = core.receipts.statements();
    assertEquals(1, anchored.size());
    UnsignedJobStatement s = anchored.get(0);
    assertEquals(jobId, s.jobId());
    assertEquals(result.resultCid(), s.resultCid());
    assertEquals(3, s.chunkCount());
    // Three chunk receipts and the merge's, all of them the job's anchored receipts.
    assertEquals(4, s.receiptCids().size());
    assertEquals(
        result.receipts().stream().map(JobResult.ReceiptRef::receiptCid).sorted().toList(),
        s.receiptCids().stream().sorted().toList());
    UnsignedJobStatement.Level level = s.levels().get(0);
    assertEquals("", level.path());
    assertEquals("merge", level.combine());
    assertEquals(3, level.childCount());
    assertArrayEquals(s.chunkRoot(), level.childrenRoot());

    // The answer's root is the statement's, and each chunk's path leads to it from its CID.
    assertEquals(HexFormat.of().formatHex(s.chunkRoot()), result.merkleRoot());
    for (JobResult.ChunkProof p : result.chunkProofs()) {
      assertEquals(Cid.of(p.result()), p.resultCid());
      ResultTree.verifyInclusion(
          p.resultCid(), p.chunkIndex(), p.treeSize(), p.inclusionPath(), s.chunkRoot());
    }

    // The journal keeps it: asked again, the same statement, and none issued twice.
    assertEquals(result.statement(), await(coordinator, jobId).statement());
    assertEquals(1, core.receipts.statements().size());
  }

  @Test
  void otherModesIssueNoStatement() {
    core.executor("e1");
    JobCoordinator coordinator = core.start();
    String jobId = coordinator.submit(job("hashed", "alpha\n").manifest(), SUBMITTER);
    JobResult result = await(coordinator, jobId);
    assertEquals(JobState.COMPLETED, result.status().state());
    assertNull(result.statement());
    assertEquals(0, core.receipts.statements().size());
  }
}
