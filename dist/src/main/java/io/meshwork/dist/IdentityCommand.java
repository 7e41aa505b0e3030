package io.meshwork.dist;

import io.meshwork.client.cli.MeshCli;
import io.meshwork.identity.Identity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork identity FILE}: prints the did:key of the identity kept in {@code FILE}, making a
 * new one there first when there is none. An operator makes a service's identity with it before the
 * service first runs, where the DID must be known ahead: the orchestrator's, which the ledger and
 * the receipt log list, and any whose certificate a CA issues for that DID (docs/KUBERNETES.md).
 */
@Command(
    name = "identity",
    description =
        "Print the did:key of the identity in FILE, making a new identity there if FILE does not"
            + " exist.")
final class IdentityCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "The identity file (identity.file).")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    try {
      String did = Identity.loadOrCreate(file).did();
      if (cli.json()) {
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("did", did);
        json.put("file", file.toString());
        cli.printJson(json);
      } else {
        cli.out().println(did);
        cli.out().flush();
      }
      return 0;
    } catch (IOException e) {
      cli.err().println("meshwork: identity: " + e.getMessage());
      cli.err().flush();
      return 1;
    }
  }
}
