package io.meshwork.orchestrator.dashboard;

import io.meshwork.identity.ReplayLimits;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.orchestrator.jobs.JobQueries;
import io.meshwork.orchestrator.jobs.JobStore;
import io.meshwork.orchestrator.membership.Membership;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.admin.WebApp;
import java.util.Optional;

/**
 * Builds the orchestrator's dashboard from its read side, as its settings ask: the web application
 * the admin server serves on {@code dashboard.port}, or none.
 */
public final class Dashboard {
  private Dashboard() {}

  /**
   * The dashboard of the orchestrator of {@code ctx}, reading its jobs, executors and receipt log
   * through the given interfaces; empty when {@code dashboard.port} is -1.
   *
   * @param receipts the receipt log's address, for its checkpoint
   */
  public static Optional<WebApp> of(
      ServiceContext ctx,
      JobQueries queries,
      JobStore store,
      Membership membership,
      Reputation reputation,
      String receipts) {
    DashboardOptions options = DashboardSettings.options(ctx.settings());
    if (!options.enabled()) {
      return Optional.empty();
    }
    // The dashboard's tokens have an audience of their own, so its replay memory is its own too.
    TokenVerifier verifier =
        new TokenVerifier(
            ctx.clock(), ReplayLimits.USERS, ReplayLimits.PARTIES, ctx.roles()::isParty);
    DashboardView view =
        new DashboardView(
            queries,
            store,
            membership,
            reputation,
            new LogCheckpoints(ctx.channel(receipts), ctx.credentials(), ctx.clock()),
            options.jobsListed(),
            ctx.clock());
    DashboardSessions sessions = new DashboardSessions(verifier, ctx.roles(), options, ctx.clock());
    // The admin server serves the dashboard with the service's certificate exactly when the
    // service speaks TLS, which is when its channels present that certificate.
    return Optional.of(
        new WebApp(options.port(), new DashboardHttp(view, sessions, ctx.mutualTls())));
  }
}
