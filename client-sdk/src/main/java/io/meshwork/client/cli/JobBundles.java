package io.meshwork.client.cli;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ChunkProof;
import io.meshwork.receipt.format.JobBundle;
import io.meshwork.receipt.format.JobVerifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a merkle job's {@link JobBundle} for {@code meshwork result --receipts DIR}: the anchored
 * statement, each chunk's result CID, path and bytes, every receipt's proof (fetching any the
 * statement lists that the answer did not name) and the log's verifier key as the log reports it.
 */
final class JobBundles {
  private JobBundles() {}

  static void save(MeshClient mesh, JobResult result, Map<String, String> receiptBundles, Path dir)
      throws IOException {
    String statementProof = result.statement().orElseThrow().getProofBundle();
    Map<String, String> receipts = new LinkedHashMap<>(receiptBundles);
    for (String cid : JobVerifier.listedReceipts(statementProof)) {
      if (!receipts.containsKey(cid)) {
        receipts.put(cid, mesh.inclusionProof(cid).getProofBundle());
      }
    }
    List<JobBundle.Chunk> chunks = new ArrayList<>();
    Map<String, byte[]> results = new LinkedHashMap<>();
    for (ChunkProof p : result.chunkProofs()) {
      chunks.add(
          new JobBundle.Chunk(
              p.getChunkIndex(),
              p.getResultCid(),
              p.getInclusionPathList().stream()
                  .map(com.google.protobuf.ByteString::toByteArray)
                  .toList()));
      results.put(p.getResultCid(), p.getResult().toByteArray());
    }
    if (result.inline() && result.resultCid().isPresent()) {
      results.put(result.resultCid().get(), result.bytes());
    }
    new JobBundle(statementProof, chunks, receipts, results, mesh.checkpoint().getVerifierKey())
        .write(dir);
  }
}
