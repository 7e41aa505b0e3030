package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meshwork status}: prints a job's status. */
@Command(name = "status", description = "Print a job's status.")
final class StatusCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "JOB", description = "The job id.")
  private String jobId;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    try (MeshClient mesh = cli.connect()) {
      ComputeJobStatus status = mesh.status(jobId);
      if (cli.json()) {
        cli.out().println(Json.write(JobViews.statusJson(status)));
      } else {
        cli.out().print(JobViews.statusText(status));
      }
      cli.out().flush();
      return 0;
    }
  }
}
