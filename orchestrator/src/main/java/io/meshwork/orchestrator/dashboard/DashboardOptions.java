package io.meshwork.orchestrator.dashboard;

import java.time.Duration;

/**
 * The dashboard's settings, read once ({@link DashboardSettings}).
 *
 * @param port the HTTPS port, 0 for a free one, -1 for no dashboard
 * @param sessionTtl how long a session lasts
 * @param maxSessions live sessions for everyone together
 * @param sessionsPerCaller live sessions of one identity
 * @param jobsListed how many of the latest jobs are listed
 */
public record DashboardOptions(
    int port, Duration sessionTtl, int maxSessions, int sessionsPerCaller, int jobsListed) {
  /** Checks the values. */
  public DashboardOptions {
    if (sessionsPerCaller < 1 || maxSessions < 1 || jobsListed < 1) {
      throw new IllegalArgumentException("the dashboard's limits are at least 1");
    }
  }

  /** Whether the dashboard is served. */
  public boolean enabled() {
    return port >= 0;
  }
}
