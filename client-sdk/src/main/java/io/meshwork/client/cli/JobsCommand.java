package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork jobs}: lists the caller's jobs, newest first (an operator's: everyone's), one
 * line each, from the orchestrator's ListJobs.
 */
@Command(
    name = "jobs",
    description = {
      "List your jobs, newest first: id, status, progress, mana spent of the budget, submitted.",
      "An operator sees every submitter's jobs."
    })
final class JobsCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = {"-n", "--limit"},
      paramLabel = "N",
      defaultValue = "20",
      description = "Show at most N jobs (default: ${DEFAULT-VALUE}).")
  private int limit;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    if (limit < 1) {
      throw new ParameterException(spec.commandLine(), "--limit must be at least 1");
    }
    try (MeshClient mesh = cli.connect()) {
      List<ComputeJobStatus> jobs = mesh.jobs(limit);
      if (cli.json()) {
        Map<String, Object> json = Json.object();
        json.put("jobs", jobs.stream().map(JobViews::statusJson).toList());
        cli.out().println(Json.write(json));
      } else if (jobs.isEmpty()) {
        cli.out().println("no jobs");
      } else {
        print(cli, mesh.did(), jobs);
      }
      cli.out().flush();
      return 0;
    }
  }

  private static void print(MeshCli cli, String caller, List<ComputeJobStatus> jobs) {
    Colours colours = cli.colours();
    boolean others = jobs.stream().anyMatch(j -> !j.getSubmitterDid().equals(caller));
    int idWidth = Math.max(3, jobs.stream().mapToInt(j -> j.getJobId().length()).max().orElse(3));
    String header =
        String.format(
            "%-" + idWidth + "s  %-10s  %-18s  %-17s  %-20s%s",
            "JOB",
            "STATUS",
            "PROGRESS",
            "MANA",
            "SUBMITTED",
            others ? "  SUBMITTER" : "");
    cli.out().println(colours.bold(header.stripTrailing()));
    for (ComputeJobStatus job : jobs) {
      String progress =
          job.getTotalChunks() == 0
              ? "-"
              : job.getCompletedChunks()
                  + "/"
                  + job.getTotalChunks()
                  + " ("
                  + Math.round(job.getProgress() * 100)
                  + "%)";
      String status = String.format("%-10s", job.getStatus());
      String line =
          String.format(
              "%-" + idWidth + "s  %s  %-18s  %-17s  %-20s%s",
              job.getJobId(),
              colours.state(status.strip()) + " ".repeat(status.length() - status.strip().length()),
              progress,
              job.getManaSpent() + " of " + job.getManaBudget(),
              JobViews.time(job.getSubmittedAt()),
              others ? "  " + JobViews.shortDid(job.getSubmitterDid()) : "");
      cli.out().println(line.stripTrailing());
    }
  }
}
