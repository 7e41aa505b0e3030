package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.DelegationNode;
import io.meshwork.compute.v1.TaskPlacement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meshwork status}: prints a job's status. */
@Command(name = "status", description = "Print a job's status.")
final class StatusCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "JOB", description = "The job id.")
  private String jobId;

  @Option(
      names = "--explain",
      description =
          "Also show how each task was placed: every bid and its score, why the winner won and"
              + " each other bid lost, which executors could not take it and why, and what"
              + " became of each attempt.")
  private boolean explain;

  @Option(
      names = "--tree",
      description =
          "Also show the delegation tree: every task at every orchestrator it passed, its range"
              + " of the input, the executor or peer it went to, its state and its price.")
  private boolean tree;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    try (MeshClient mesh = cli.connect()) {
      ComputeJobStatus status = mesh.status(jobId);
      List<TaskPlacement> placements = explain ? mesh.placements(jobId) : List.of();
      List<DelegationNode> nodes = tree ? mesh.tree(jobId) : List.of();
      if (cli.json()) {
        Map<String, Object> json = JobViews.statusJson(status);
        if (explain) {
          json.put("placements", JobViews.placementsJson(placements));
        }
        if (tree) {
          json.put("tree", TreeView.json(nodes));
        }
        cli.out().println(Json.write(json));
      } else {
        cli.out().print(JobViews.statusText(status));
        if (explain) {
          cli.out().print(JobViews.placementsText(placements));
        }
        if (tree) {
          cli.out().print(TreeView.text(nodes));
        }
      }
      cli.out().flush();
      return 0;
    }
  }
}
