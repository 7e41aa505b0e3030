package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meshwork cancel}: stops a running job; its unspent mana returns. */
@Command(
    name = "cancel",
    description = "Cancel a running job; the mana it has not spent returns to you.")
final class CancelCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "JOB", description = "The job id.")
  private String jobId;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    try (MeshClient mesh = cli.connect()) {
      boolean cancelled = mesh.cancel(jobId);
      if (cli.json()) {
        Map<String, Object> json = Json.object();
        json.put("job_id", jobId);
        json.put("cancelled", cancelled);
        cli.out().println(Json.write(json));
        cli.out().flush();
      } else if (cancelled) {
        cli.out().println("cancelled job " + jobId);
        cli.out().flush();
      } else {
        cli.err().println("meshwork: job " + jobId + " had already ended; nothing to cancel");
        cli.err().flush();
      }
      // A cancel that came too late is reported as a failure so that scripts notice it.
      return cancelled ? 0 : MeshCli.EXIT_FAILURE;
    }
  }
}
