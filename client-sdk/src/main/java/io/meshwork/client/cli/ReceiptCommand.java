package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.client.ReceiptProofException;
import io.meshwork.client.ReceiptProofVerifier;
import io.meshwork.client.VerifiedReceipt;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.format.Checkpoint;
import io.meshwork.receipt.format.LogAudit;
import io.meshwork.receipt.format.OfflineVerifier;
import io.meshwork.receipt.format.ParsedVerifierKey;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.format.VerificationException;
import io.meshwork.receipt.v1.GetCheckpointResponse;
import io.meshwork.receipt.v1.GetInclusionProofResponse;
import io.meshwork.receipt.v1.GetLeavesResponse;
import io.meshwork.receipt.v1.GetReceiptResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork receipt}: execution receipts in the receipt log, their offline proofs, and an
 * audit of the whole log. docs/CLI.md describes each subcommand.
 */
@Command(
    name = "receipt",
    description = "Fetch, prove and verify execution receipts; audit the receipt log.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      ReceiptCommand.Get.class,
      ReceiptCommand.Proof.class,
      ReceiptCommand.Verify.class,
      VerifyJobCommand.class,
      ReceiptCommand.Fsck.class,
      ReceiptCommand.LogKey.class
    })
final class ReceiptCommand {
  private ReceiptCommand() {}

  /** {@code meshwork receipt get CID}: the receipt and its place in the log. */
  @Command(name = "get", description = "Print a receipt from the log by its CID.")
  static final class Get implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Parameters(paramLabel = "CID", description = "The receipt's CID (bafkrei...).")
    private String cid;

    @Override
    public Integer call() {
      MeshCli cli = MeshCli.from(spec);
      try (MeshClient mesh = cli.connect()) {
        GetReceiptResponse got = mesh.receipt(cid);
        ExecutionReceipt r = got.getReceipt();
        if (cli.json()) {
          Map<String, Object> json = receiptJson(cid, r);
          json.put("log_index", got.getLogIndex());
          json.put("leaf", Base64.getEncoder().encodeToString(got.getLeaf().toByteArray()));
          cli.out().println(Json.write(json));
        } else {
          cli.out().printf("cid            %s%n", cid);
          cli.out().printf("log index      %d%n", got.getLogIndex());
          printReceipt(cli, r);
        }
        cli.out().flush();
        return 0;
      }
    }
  }

  /** {@code meshwork receipt proof CID}: the offline proof bundle, on standard output. */
  @Command(
      name = "proof",
      description = {
        "Print the receipt's offline proof: a C2SP tlog-proof bundle holding the receipt, its"
            + " inclusion path and the signed checkpoint.",
        "Save it with: meshwork receipt proof CID > receipt.tlog-proof"
      })
  static final class Proof implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Parameters(paramLabel = "CID", description = "The receipt's CID.")
    private String cid;

    @Override
    public Integer call() {
      MeshCli cli = MeshCli.from(spec);
      try (MeshClient mesh = cli.connect()) {
        GetInclusionProofResponse proof = mesh.inclusionProof(cid);
        if (cli.json()) {
          Map<String, Object> json = Json.object();
          json.put("cid", cid);
          json.put("log_index", proof.getLogIndex());
          json.put("tree_size", proof.getTreeSize());
          json.put("bundle", proof.getProofBundle());
          cli.out().println(Json.write(json));
        } else {
          // The bundle already ends with a newline; it is written byte for byte.
          cli.out().print(proof.getProofBundle());
        }
        cli.out().flush();
        return 0;
      }
    }
  }

  /**
   * {@code meshwork receipt verify BUNDLE --log-key KEY}: checks a proof bundle offline.
   *
   * <p>This command never calls {@link MeshCli#connect()}: it reads a file and the key given on the
   * command line, so it makes no network call and trusts no node of the mesh.
   */
  @Command(
      name = "verify",
      description = {
        "Check a proof bundle offline, with only the log's key: the receipt's signature, the"
            + " checkpoint's signature and the inclusion path. Makes no network call.",
        "Exit code 0 when the receipt is in the log, 1 when a check fails (the message names it)."
      })
  static final class Verify implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Parameters(paramLabel = "BUNDLE", description = "The bundle file, or - for standard input.")
    private String bundle;

    @Option(
        names = "--log-key",
        required = true,
        paramLabel = "KEY",
        description =
            "The log's verifier key, origin+keyhash+base64key (see 'meshwork receipt log-key').")
    private String logKey;

    @Option(
        names = "--receipt",
        paramLabel = "FILE",
        description = "The receipt's leaf bytes, when the bundle does not carry them.")
    private Path receipt;

    @Option(
        names = "--cid",
        paramLabel = "CID",
        description = "Also require the receipt to have this CID.")
    private String cid;

    @Override
    public Integer call() {
      MeshCli cli = MeshCli.from(spec);
      ReceiptProofVerifier verifier = verifier(spec, logKey);
      String text = readBundle(spec, bundle);
      Optional<byte[]> leaf = Optional.ofNullable(receipt).map(f -> readBytes(spec, f));
      try {
        VerifiedReceipt v = verifier.verify(text, leaf, Optional.ofNullable(cid));
        if (cli.json()) {
          Map<String, Object> json = receiptJson(v.cid(), v.receipt());
          json.put("verified", true);
          json.put("log_index", v.index());
          json.put("tree_size", v.treeSize());
          json.put("origin", v.origin());
          cli.out().println(Json.write(json));
        } else {
          cli.out()
              .printf(
                  "verified: receipt %s is leaf %d of the %d-leaf tree of log %s%n",
                  v.cid(), v.index(), v.treeSize(), v.origin());
          printReceipt(cli, v.receipt());
        }
        cli.out().flush();
        return 0;
      } catch (ReceiptProofException e) {
        return refused(cli, e.check(), e.getMessage());
      }
    }
  }

  /**
   * {@code meshwork receipt fsck}: recomputes the log's root from every leaf, through the receipt
   * service's {@code GetLeaves}, and compares it with the latest signed checkpoint.
   */
  @Command(
      name = "fsck",
      description = {
        "Audit the receipt log: fetch every leaf, check each receipt, recompute the Merkle root"
            + " and compare it with the latest checkpoint, whose signature is checked with"
            + " --log-key.",
        "Exit code 0 when they agree, 1 when a check fails."
      })
  static final class Fsck implements Callable<Integer> {
    private static final int PAGE = 1000;

    @Spec private CommandSpec spec;

    @Option(
        names = "--log-key",
        paramLabel = "KEY",
        description =
            "The log's verifier key. Without it the key the service reports is used, which only"
                + " checks the log against itself.")
    private String logKey;

    @Option(
        names = "--skip-signatures",
        description = "Do not verify each receipt's Ed25519 signature (faster).")
    private boolean skipSignatures;

    @Override
    public Integer call() {
      MeshCli cli = MeshCli.from(spec);
      try (MeshClient mesh = cli.connect()) {
        GetCheckpointResponse latest = mesh.checkpoint();
        boolean pinned = logKey != null;
        ParsedVerifierKey key = parseKey(spec, pinned ? logKey : latest.getVerifierKey());
        if (!pinned) {
          cli.err()
              .println(
                  "meshwork: no --log-key given; checking against the key the log reports: "
                      + latest.getVerifierKey());
        }
        try {
          Checkpoint checkpoint = OfflineVerifier.checkpoint(latest.getSignedNote(), key);
          LogAudit audit = new LogAudit(!skipSignatures);
          while (audit.size() < checkpoint.treeSize()) {
            int count = (int) Math.min(PAGE, checkpoint.treeSize() - audit.size());
            GetLeavesResponse page = mesh.leaves(audit.size(), count);
            if (page.getLeavesCount() == 0) {
              break;
            }
            for (var leaf : page.getLeavesList()) {
              audit.add(leaf.toByteArray());
            }
          }
          audit.requireMatches(checkpoint);
          if (cli.json()) {
            Map<String, Object> json = Json.object();
            json.put("ok", true);
            json.put("origin", checkpoint.origin());
            json.put("tree_size", checkpoint.treeSize());
            json.put("root_hash", Base64.getEncoder().encodeToString(checkpoint.rootHash()));
            json.put("signatures_checked", !skipSignatures);
            json.put("key_pinned", pinned);
            cli.out().println(Json.write(json));
          } else {
            cli.out()
                .printf(
                    "ok: the root recomputed from all %d leaves matches the signed checkpoint of"
                        + " %s (root %s)%n",
                    checkpoint.treeSize(),
                    checkpoint.origin(),
                    Base64.getEncoder().encodeToString(checkpoint.rootHash()));
          }
          cli.out().flush();
          return 0;
        } catch (VerificationException e) {
          return refused(cli, e.check(), e.getMessage());
        }
      }
    }
  }

  /** {@code meshwork receipt log-key}: the verifier key the log reports, to pin. */
  @Command(
      name = "log-key",
      description =
          "Print the receipt log's verifier key as the log reports it. Compare it with one"
              + " obtained out of band (the service logs it when it starts) before pinning it.")
  static final class LogKey implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Override
    public Integer call() {
      MeshCli cli = MeshCli.from(spec);
      try (MeshClient mesh = cli.connect()) {
        GetCheckpointResponse latest = mesh.checkpoint();
        if (cli.json()) {
          Map<String, Object> json = Json.object();
          json.put("verifier_key", latest.getVerifierKey());
          json.put("origin", latest.getOrigin());
          json.put("tree_size", latest.getTreeSize());
          cli.out().println(Json.write(json));
        } else {
          cli.out().println(latest.getVerifierKey());
        }
        cli.out().flush();
        return 0;
      }
    }
  }

  static int refused(MeshCli cli, String check, String message) {
    if (cli.json()) {
      Map<String, Object> json = Json.object();
      json.put("verified", false);
      json.put("check", check);
      json.put("error", message);
      cli.out().println(Json.write(json));
      cli.out().flush();
    } else {
      cli.err().println("meshwork: verification failed: " + message);
      cli.err().flush();
    }
    return MeshCli.EXIT_FAILURE;
  }

  /** The SDK's offline verifier for {@code --log-key}; bad usage when it is not a key. */
  static ReceiptProofVerifier verifier(CommandSpec spec, String key) {
    try {
      return ReceiptProofVerifier.forLogKey(key);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--log-key: " + e.getMessage());
    }
  }

  static ParsedVerifierKey parseKey(CommandSpec spec, String key) {
    try {
      return SignedNote.parseVerifierKey(key.strip());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "--log-key is not a note verifier key: " + e.getMessage());
    }
  }

  /** The bundle's text; a file that cannot be read is bad usage, as for every input file. */
  private static String readBundle(CommandSpec spec, String file) {
    try {
      byte[] bytes =
          file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(), "BUNDLE: cannot read " + file + ": " + reason(e), e);
    }
  }

  private static byte[] readBytes(CommandSpec spec, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(), "--receipt: cannot read " + file + ": " + reason(e), e);
    }
  }

  private static String reason(IOException e) {
    return e instanceof java.nio.file.NoSuchFileException
        ? "no such file"
        : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static Map<String, Object> receiptJson(String cid, ExecutionReceipt r) {
    Map<String, Object> json = Json.object();
    json.put("cid", cid);
    json.put("job_id", r.getJobId());
    json.put("task_id", r.getTaskId());
    json.put("executor_did", r.getExecutorDid());
    json.put("orchestrator_did", r.getOrchestratorDid());
    json.put("module_cid", r.getModuleCid());
    json.put("input_cid", r.getInputCid());
    json.put("output_cid", r.getOutputCid());
    json.put("fuel_used", r.getFuelUsed());
    json.put("engine", r.getEngine() + " " + r.getEngineVersion());
    json.put("started_at", r.getStartedAt());
    json.put("finished_at", r.getFinishedAt());
    return json;
  }

  private static void printReceipt(MeshCli cli, ExecutionReceipt r) {
    cli.out().printf("job / task     %s / %s%n", r.getJobId(), r.getTaskId());
    cli.out().printf("executor       %s%n", r.getExecutorDid());
    cli.out().printf("module         %s%n", r.getModuleCid());
    cli.out().printf("input          %s%n", r.getInputCid());
    cli.out().printf("output         %s%n", r.getOutputCid());
    cli.out().printf("fuel used      %d%n", r.getFuelUsed());
    cli.out().printf("engine         %s %s%n", r.getEngine(), r.getEngineVersion());
    cli.out()
        .printf(
            "ran            %s to %s%n",
            JobViews.time(r.getStartedAt()), JobViews.time(r.getFinishedAt()));
  }
}
