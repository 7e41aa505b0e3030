package io.meshwork.orchestrator.membership;

/**
 * What a member reports of its size and how busy it is: at join, then in every heartbeat.
 *
 * @param ramMb memory it may give to modules, in MiB
 */
public record MemberLoad(
    int cpuCores, long ramMb, int taskSlots, int runningTasks, int queuedTasks) {
  /** Nothing known yet. */
  public static final MemberLoad UNKNOWN = new MemberLoad(0, 0, 0, 0, 0);

  /** (running + queued) / slots; 0 with no slots reported. */
  public double load() {
    return taskSlots <= 0 ? 0 : (double) (runningTasks + queuedTasks) / taskSlots;
  }
}
