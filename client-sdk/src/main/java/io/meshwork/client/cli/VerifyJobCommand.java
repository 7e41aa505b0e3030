package io.meshwork.client.cli;

import io.meshwork.receipt.format.JobBundle;
import io.meshwork.receipt.format.JobVerifier;
import io.meshwork.receipt.format.ParsedVerifierKey;
import io.meshwork.receipt.format.VerificationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork receipt verify-job DIR --log-key KEY}: checks offline, with {@link JobVerifier},
 * the bundle that {@code meshwork result JOB --receipts DIR} wrote: the orchestrator's signed job
 * statement and its place in the log, every chunk result under the statement's chunk root, and
 * every chunk and merge covered by an anchored executor receipt. Nothing is asked of the mesh.
 */
@Command(
    name = "verify-job",
    description = {
      "Check offline that a job's result is covered by executor receipts and by the orchestrator's"
          + " anchored job statement, from the folder 'meshwork result JOB --receipts DIR' wrote.",
      "Exit code 0 when everything verifies, 1 when a check fails (named in the message)."
    })
final class VerifyJobCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(
      paramLabel = "DIR",
      description = "The folder written by 'meshwork result --receipts'.")
  private Path dir;

  @Option(
      names = "--log-key",
      required = true,
      paramLabel = "KEY",
      description =
          "The log's verifier key, origin+keyhash+base64key (see 'meshwork receipt log-key'). The"
              + " copy in DIR/log-key is not trusted.")
  private String logKey;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    ParsedVerifierKey key = ReceiptCommand.parseKey(spec, logKey);
    try {
      JobBundle bundle;
      try {
        bundle = JobBundle.read(dir, JobVerifier.listedReceipts(JobBundle.readStatementProof(dir)));
      } catch (IllegalArgumentException e) {
        throw new VerificationException("bundle", e.getMessage(), e);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the bundle in " + dir, e);
      }
      JobVerifier.VerifiedJob v = JobVerifier.verify(bundle, key);
      var s = v.statement();
      if (cli.json()) {
        Map<String, Object> json = Json.object();
        json.put("verified", true);
        json.put("job_id", s.jobId());
        json.put("result_cid", s.resultCid());
        json.put("orchestrator_did", s.orchestratorDid());
        json.put("statement_cid", v.statementCid());
        json.put("log_index", v.logIndex());
        json.put("tree_size", v.checkpoint().treeSize());
        json.put("origin", v.checkpoint().origin());
        json.put("chunks", s.chunkCount());
        json.put("chunk_root", HexFormat.of().formatHex(s.chunkRoot()));
        json.put("levels", s.levels().size());
        json.put("receipts", s.receiptCids().size());
        json.put("results_checked", v.resultsChecked());
        cli.out().println(Json.write(json));
      } else {
        cli.out()
            .printf(
                "verified: job %s, result %s: %d chunks and %d receipts, statement %s is leaf %d"
                    + " of the %d-leaf tree of log %s%n",
                s.jobId(),
                s.resultCid(),
                s.chunkCount(),
                s.receiptCids().size(),
                v.statementCid(),
                v.logIndex(),
                v.checkpoint().treeSize(),
                v.checkpoint().origin());
        cli.out().printf("orchestrator   %s%n", s.orchestratorDid());
        cli.out().printf("chunk root     %s%n", HexFormat.of().formatHex(s.chunkRoot()));
        cli.out().printf("levels         %d%n", s.levels().size());
        cli.out().printf("bytes checked  %d results against their CIDs%n", v.resultsChecked());
      }
      cli.out().flush();
      return 0;
    } catch (VerificationException e) {
      return ReceiptCommand.refused(cli, e.check(), e.getMessage());
    }
  }
}
