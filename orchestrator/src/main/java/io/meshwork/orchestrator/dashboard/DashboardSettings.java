package io.meshwork.orchestrator.dashboard;

import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import java.time.Duration;
import java.util.List;

/**
 * The orchestrator's keys for its dashboard (docs/DASHBOARD.md), parsed once by {@link #options}.
 */
public final class DashboardSettings {
  /** The dashboard's port. */
  public static final Setting<Integer> PORT =
      Setting.integer(
              "dashboard.port",
              -1,
              "The dashboard's HTTPS port (its pages, /api/v1 and its OpenAPI document), a"
                  + " listener of the admin server with the orchestrator's TLS certificate; 0"
                  + " takes a free one, -1 turns it off. Needs admin.port.")
          .between(-1, 65_535);

  /** How long a session lasts. */
  public static final Setting<Duration> SESSION_TTL =
      Setting.millis(
              "dashboard.session-ttl-ms",
              3_600_000,
              "How long a dashboard session lasts after its token was traded for it; then the"
                  + " page asks for a new token (meshwork dashboard).")
          .between(Duration.ofSeconds(1), Duration.ofDays(1));

  /** Sessions in all. */
  public static final Setting<Integer> MAX_SESSIONS =
      Setting.integer(
              "dashboard.max-sessions",
              10_000,
              "Live dashboard sessions the orchestrator keeps for everyone together; a new one"
                  + " beyond them is refused until some expire.")
          .atLeast(1);

  /** Sessions of one identity. */
  public static final Setting<Integer> SESSIONS_PER_CALLER =
      Setting.integer(
              "dashboard.sessions-per-caller",
              16,
              "Live dashboard sessions one identity may hold; a new one beyond them ends that"
                  + " identity's oldest.")
          .atLeast(1);

  /** Jobs listed. */
  public static final Setting<Integer> JOBS_LISTED =
      Setting.integer(
              "dashboard.jobs-listed",
              50,
              "How many of the latest jobs the dashboard and /api/v1/jobs list.")
          .between(1, 1_000);

  /** Every key of the dashboard, for the orchestrator's schema. */
  public static final List<Setting<?>> KEYS =
      List.of(PORT, SESSION_TTL, MAX_SESSIONS, SESSIONS_PER_CALLER, JOBS_LISTED);

  private DashboardSettings() {}

  /** The dashboard's options from the orchestrator's settings. */
  public static DashboardOptions options(Settings settings) {
    return new DashboardOptions(
        settings.get(PORT),
        settings.get(SESSION_TTL),
        settings.get(MAX_SESSIONS),
        settings.get(SESSIONS_PER_CALLER),
        settings.get(JOBS_LISTED));
  }
}
