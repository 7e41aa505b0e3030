package io.meshwork.client.cli;

import io.meshwork.client.ExecutorMember;
import io.meshwork.client.MeshClient;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meshwork executor}: acts on one member of the orchestrator. For operators. */
@Command(
    name = "executor",
    description = "Act on one of the orchestrator's executors (operators).",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = ExecutorCommand.Drain.class)
final class ExecutorCommand {
  private ExecutorCommand() {}

  /**
   * {@code meshwork executor drain DID}: the member stops getting work, finishes its tasks and
   * leaves.
   */
  @Command(
      name = "drain",
      description =
          "Ask an executor to drain: it gets no new work, finishes its tasks and leaves. Prints"
              + " its state.")
  static final class Drain implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Parameters(paramLabel = "DID", description = "The executor's did:key (meshwork executors).")
    private String did;

    @Override
    public Integer call() {
      MeshCli cli = MeshCli.from(spec);
      try (MeshClient mesh = cli.connect()) {
        ExecutorMember.State state = mesh.drain(did);
        if (cli.json()) {
          Map<String, Object> json = Json.object();
          json.put("executor_did", did);
          json.put("state", MemberViews.state(state));
          cli.out().println(Json.write(json));
        } else {
          cli.out().printf("executor %s: %s%n", did, MemberViews.state(state));
        }
        cli.out().flush();
        return 0;
      }
    }
  }
}
