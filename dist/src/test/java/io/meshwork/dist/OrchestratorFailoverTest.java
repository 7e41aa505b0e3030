package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.leadership.Leadership;
import io.meshwork.runtime.tls.TlsTestClients;
import io.meshwork.testing.postgres.TestPostgres;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, must-show 3: two orchestrator processes with one key share a PostgreSQL journal and
 * contend for a Lease on the mock Kubernetes API server (CRUD mode); one leads.
 *
 * <p>The leader killed with {@code kill -9} in the middle of a job: the stand-by leads within the
 * lease duration plus 5 s, resumes the job from the journal, completes it with the right result,
 * and the ledger shows every task paid exactly once. Then the new leader is frozen (SIGSTOP) in the
 * middle of a second job until the restarted first replica has taken over and finished it: woken
 * up, the deposed leader changes nothing (its journal writes are refused by the fence, its payments
 * never made) and exits with the deposed status.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class OrchestratorFailoverTest {
  private static final Duration LEASE = Duration.ofSeconds(4);
  private static final long BUDGET = 1_000;
  // OrchestratorReplica's exit status for a deposed leader.
  private static final int DEPOSED = 3;

  static KubernetesMockServer server;
  static KubernetesClient client;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @Test
  void theStandByTakesOverAKilledLeadersJobAndAFrozenLeaderChangesNothing() throws Exception {
    try (TestPostgres postgres = TestPostgres.start()) {
      String url = postgres.createDatabase("orchestrator");
      Map<String, String> settings =
          MeshProcesses.tolerantTimings(
              "orchestrator.store", "postgres",
              "orchestrator.postgres.url", url,
              "orchestrator.postgres.user", postgres.user(),
              "orchestrator.postgres.password", postgres.password(),
              "orchestrator.kubernetes", "on",
              "orchestrator.kubernetes.api-url", server.url("/"),
              "orchestrator.kubernetes.namespace", "test",
              // The executors are listed; the Lease is what this test is about.
              "orchestrator.kubernetes.executor-service", "",
              "orchestrator.kubernetes.executor-deployment", "",
              "orchestrator.kubernetes.lease-duration-ms", Long.toString(LEASE.toMillis()),
              "orchestrator.kubernetes.renew-deadline-ms", "3000",
              "orchestrator.kubernetes.retry-period-ms", "500",
              "orchestrator.kubernetes.identity", "orchestrator");
      try (MeshProcesses mesh =
          new MeshProcesses(dataDir, List.of("slow", "slow"), settings, "384m")) {
        awaitLeading(mesh, "orchestrator", Duration.ofSeconds(180));
        mesh.startOrchestratorReplica(
            "orchestrator-b", Map.of("orchestrator.kubernetes.identity", "orchestrator-b"));
        MeshFixtures.awaitServing(
            mesh.grpcPort("orchestrator-b"),
            mesh.caDir(),
            Duration.ofSeconds(120),
            mesh.process("orchestrator-b"));
        assertEquals(ServingStatus.NOT_SERVING, leaderHealth(mesh, "orchestrator-b"));
        assertEquals("orchestrator", lease().getSpec().getHolderIdentity());

        Identity user = Identity.generate();
        byte[] text = SampleText.generate(20_000, 23);

        // Phase 1: kill -9 the leader mid-job.
        JobRun first = submit(mesh, user, "orchestrator", text);
        mesh.kill("orchestrator");
        long killedAt = System.nanoTime();
        awaitLeading(mesh, "orchestrator-b", LEASE.plusSeconds(5));
        long takeOverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertEquals("orchestrator-b", lease().getSpec().getHolderIdentity());
        JobResult resumed = complete(mesh, user, "orchestrator-b", first, text);
        assertTrue(
            Files.readString(mesh.log("orchestrator-b")).contains("resuming job " + first.jobId),
            "the stand-by resumed the job from the shared journal");

        // Phase 2: the first replica comes back and stands by; the leader freezes mid-job.
        mesh.startOrchestrator();
        MeshFixtures.awaitServing(
            mesh.grpcPort("orchestrator"),
            mesh.caDir(),
            Duration.ofSeconds(120),
            mesh.process("orchestrator"));
        assertEquals(ServingStatus.NOT_SERVING, leaderHealth(mesh, "orchestrator"));
        JobRun second = submit(mesh, user, "orchestrator-b", text);
        mesh.signal("orchestrator-b", "STOP");
        // The frozen leader may hold a journal transaction open: the new leader's fence waits
        // until PostgreSQL ends that session (idle_in_transaction_session_timeout, 10 s).
        awaitLeading(mesh, "orchestrator", LEASE.plusSeconds(15));
        JobResult taken = complete(mesh, user, "orchestrator", second, text);
        List<String> journal = journal(url, postgres);
        long balance;
        try (MeshClient c = mesh.client(user)) {
          balance = c.balance().getBalance();
        }
        mesh.signal("orchestrator-b", "CONT");
        Process frozen = mesh.process("orchestrator-b");
        assertTrue(
            frozen.waitFor(30, TimeUnit.SECONDS), "the deposed leader exits once it runs again");
        assertEquals(DEPOSED, frozen.exitValue(), "exit status of a deposed leader");
        assertEquals(journal, journal(url, postgres), "the deposed leader's writes are refused");
        try (MeshClient c = mesh.client(user)) {
          assertEquals(balance, c.balance().getBalance(), "the deposed leader paid nothing more");
          assertEquals(0, c.balance().getHeld());
        }
        String deposedLog = Files.readString(mesh.log("orchestrator-b"));
        System.out.println(
            "orchestrator fail-over: killed leader replaced in "
                + takeOverMs
                + " ms (lease "
                + LEASE.toMillis()
                + " ms); job 1 resumed with "
                + first.settledBefore
                + " of "
                + resumed.status().getTotalChunks()
                + " chunks settled; job 2 taken over with "
                + second.settledBefore
                + " of "
                + taken.status().getTotalChunks()
                + " settled; frozen leader exited "
                + frozen.exitValue()
                + (deposedLog.contains("FENCED_OUT") ? ", a journal write of it refused" : ""));
      }
    }
  }

  /** A job submitted through one replica, and how far it got before that replica went away. */
  private record JobRun(String jobId, MeshProcesses.Balances before, int settledBefore) {}

  /**
   * Submits a word count of {@code text} through {@code replica} and waits for 4 settled chunks.
   */
  private static JobRun submit(MeshProcesses mesh, Identity user, String replica, byte[] text)
      throws InterruptedException {
    try (MeshClient c = mesh.client(user, replica)) {
      MeshProcesses.Balances before = mesh.balances(c);
      String jobId =
          c.submit(
              MeshFixtures.wordCountJob(text, 1_000).manaBudget(BUDGET).timeoutSecs(300).build());
      ComputeJobStatus running = CancelMidJobTest.awaitChunks(c, jobId, 4);
      assertTrue(running.getTotalChunks() >= 16, "a multi-chunk job: " + running);
      assertTrue(running.getCompletedChunks() < running.getTotalChunks(), "mid-job: " + running);
      return new JobRun(jobId, before, running.getCompletedChunks());
    }
  }

  /** Waits for the job through the replica that leads now, and checks result and payments. */
  private JobResult complete(
      MeshProcesses mesh, Identity user, String replica, JobRun run, byte[] text) {
    try (MeshClient c = mesh.client(user, replica)) {
      JobResult result =
          MeshFixtures.awaitWordCount(
              c, run.jobId, text, Duration.ofSeconds(120), "the job (logs in " + dataDir + ")");
      PaidOnce.assertEachTaskPaidOnce(c, result, mesh.orchestratorDid());
      mesh.assertSettled(c, run.before, result, BUDGET);
      return result;
    }
  }

  private static Lease lease() {
    return client.leases().inNamespace("test").withName("meshwork-orchestrator").get();
  }

  /** What the replica's leader health check says: SERVING only while it leads. */
  private static ServingStatus leaderHealth(MeshProcesses mesh, String replica) {
    ManagedChannel channel = TlsTestClients.user("127.0.0.1", mesh.grpcPort(replica), mesh.caDir());
    try {
      return HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(Leadership.HEALTH_NAME).build())
          .getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  private static void awaitLeading(MeshProcesses mesh, String replica, Duration limit)
      throws InterruptedException {
    long until = System.nanoTime() + limit.toNanos();
    while (true) {
      try {
        if (leaderHealth(mesh, replica) == ServingStatus.SERVING) {
          return;
        }
      } catch (RuntimeException notYet) {
        // Not serving yet at all.
      }
      if (System.nanoTime() > until) {
        throw new AssertionError(replica + " did not lead within " + limit);
      }
      Thread.sleep(100);
    }
  }

  /** The journal's jobs and tasks, one line per row, to compare before and after. */
  private static List<String> journal(String url, TestPostgres postgres) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      try (ResultSet r =
          s.executeQuery("SELECT job_id, state, refunded FROM jobs ORDER BY job_id")) {
        while (r.next()) {
          rows.add("job " + r.getString(1) + " " + r.getString(2) + " " + r.getLong(3));
        }
      }
      try (ResultSet r =
          s.executeQuery(
              "SELECT task_id, executor_did, price, receipt_cid FROM tasks ORDER BY task_id")) {
        while (r.next()) {
          rows.add(
              "task "
                  + r.getString(1)
                  + " "
                  + r.getString(2)
                  + " "
                  + r.getLong(3)
                  + " "
                  + r.getString(4));
        }
      }
    }
    return rows;
  }
}
