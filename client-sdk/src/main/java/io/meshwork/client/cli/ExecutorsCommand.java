package io.meshwork.client.cli;

import io.meshwork.client.ExecutorMember;
import io.meshwork.client.MeshClient;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork executors}: the orchestrator's members, with their state, load, reputation and
 * last heartbeat. For operators.
 */
@Command(
    name = "executors",
    description =
        "List the orchestrator's executors: state, load, reputation, last heartbeat (operators).")
final class ExecutorsCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(names = "--all", description = "Include the executors that left.")
  private boolean all;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    try (MeshClient mesh = cli.connect()) {
      List<ExecutorMember> members = mesh.members(all);
      if (cli.json()) {
        Map<String, Object> json = Json.object();
        json.put("executors", members.stream().map(MemberViews::json).toList());
        cli.out().println(Json.write(json));
      } else {
        cli.out().print(MemberViews.table(members, Instant.now()));
      }
      cli.out().flush();
      return 0;
    }
  }
}
