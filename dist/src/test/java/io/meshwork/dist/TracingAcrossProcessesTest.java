package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Must-show 2 of issue 19: one job, one trace. The ledger, the receipt log, two executors and the
 * orchestrator run as separate processes, exporting over OTLP to a receiver in this JVM; the job's
 * trace holds spans from all of them, every span's parent is in the trace, and the parent of each
 * service's span is the other service's call, known only from the {@code traceparent} the call
 * carried between processes. The orchestrator's log lines written for the job name its trace.
 */
class TracingAcrossProcessesTest {
  private static final int SERVER = 2;
  private static final int CLIENT = 3;

  @TempDir Path dataDir;

  @Test
  void oneJobIsOneTraceAcrossEveryService() throws Exception {
    try (OtlpReceiver collector = new OtlpReceiver();
        MeshProcesses mesh =
            new MeshProcesses(
                dataDir,
                List.of("honest", "honest"),
                MeshProcesses.tolerantTimings(),
                "512m",
                Map.of(
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    collector.endpoint(),
                    // Spans leave within a fifth of a second rather than five.
                    "OTEL_BSP_SCHEDULE_DELAY",
                    "200"));
        MeshClient client = mesh.client(Identity.generate())) {
      byte[] text = SampleText.generate(60_000, 7);
      String jobId =
          client.submit(MeshFixtures.wordCountJob(text, 15_000).manaBudget(1_000).build());
      JobResult result =
          MeshFixtures.awaitWordCount(client, jobId, text, Duration.ofSeconds(90), jobId);
      Set<String> workers =
          result.receipts().stream()
              .map(ReceiptRef::getExecutorDid)
              .collect(Collectors.toCollection(TreeSet::new));

      List<OtlpReceiver.Span> trace = awaitTrace(collector, jobId, workers);

      // One root: the orchestrator's SubmitJob (the client does not trace).
      List<OtlpReceiver.Span> roots =
          trace.stream().filter(s -> s.parentSpanId().isEmpty()).toList();
      assertEquals(1, roots.size(), roots.toString());
      assertEquals("meshwork-orchestrator", roots.get(0).service());
      assertEquals("meshwork.compute.v1.ComputeService/SubmitJob", roots.get(0).name());
      Map<String, OtlpReceiver.Span> byId = new HashMap<>();
      trace.forEach(s -> byId.put(s.spanId(), s));
      for (OtlpReceiver.Span s : trace) {
        assertTrue(
            s.parentSpanId().isEmpty() || byId.containsKey(s.parentSpanId()),
            s.name() + " of " + s.service() + " has a parent outside the trace");
      }
      // Each service's server span hangs under the orchestrator's (or an executor's) client span
      // of the same call: the parent crossed the process boundary in the call's metadata.
      for (OtlpReceiver.Span s : trace) {
        if (s.kind() == SERVER && !s.parentSpanId().isEmpty()) {
          OtlpReceiver.Span parent = byId.get(s.parentSpanId());
          assertEquals(CLIENT, parent.kind(), s.name() + " is served for a client span");
          assertEquals(s.name(), parent.name(), "the client span is of the same method");
          assertTrue(!parent.service().equals(s.service()), "from another process: " + s.name());
        }
      }
      // The steps of the job, each where it happens.
      assertStep(trace, "submit", "meshwork-orchestrator");
      assertStep(trace, "auction", "meshwork-orchestrator");
      assertStep(trace, "assignment", "meshwork-orchestrator");
      assertStep(trace, "verification", "meshwork-orchestrator");
      assertStep(trace, "anchoring", "meshwork-orchestrator");
      assertStep(trace, "payment", "meshwork-orchestrator");
      assertStep(trace, "merge", "meshwork-orchestrator");
      assertStep(trace, "execution", "meshwork-executor");
      assertStep(trace, "meshwork.ledger.v1.LedgerService/Submit", "meshwork-ledger");
      assertStep(trace, "meshwork.receipt.v1.ReceiptService/AnchorReceipts", "meshwork-receipts");
      // Every executor paid for the job ran its part in the trace, under an assignment.
      Set<String> executing = new TreeSet<>();
      for (OtlpReceiver.Span s : trace) {
        if (s.name().equals("execution")) {
          executing.add(s.instance());
          assertTrue(
              ancestors(s, byId).contains("assignment"),
              "an execution descends from an assignment: " + ancestors(s, byId));
        }
        if (s.name().equals("meshwork.receipt.v1.ReceiptService/AnchorReceipts")
            && s.kind() == SERVER) {
          assertTrue(ancestors(s, byId).contains("anchoring"), ancestors(s, byId).toString());
        }
      }
      assertEquals(workers, executing);
      // The orchestrator's log line about cutting the job names the job's trace.
      String log = java.nio.file.Files.readString(mesh.log("orchestrator"));
      assertTrue(
          log.contains("trace=" + roots.get(0).traceId() + " span="),
          "the job's trace id in the orchestrator's log:\n" + log);
    }
  }

  /**
   * Waits until the trace of {@code jobId} holds its last steps (the executions of every executor
   * paid and the payments): spans leave each process in batches, the last ones as the job ends.
   */
  private static List<OtlpReceiver.Span> awaitTrace(
      OtlpReceiver collector, String jobId, Set<String> workers) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<OtlpReceiver.Span> trace = List.of();
    while (System.nanoTime() < until) {
      List<OtlpReceiver.Span> all = collector.spans();
      String traceId =
          all.stream()
              .filter(s -> s.name().equals("submit"))
              .filter(s -> jobId.equals(s.attributes().get("meshwork.job_id")))
              .map(OtlpReceiver.Span::traceId)
              .findFirst()
              .orElse(null);
      if (traceId != null) {
        List<OtlpReceiver.Span> found =
            all.stream().filter(s -> s.traceId().equals(traceId)).toList();
        trace = found;
        Set<String> executing =
            found.stream()
                .filter(s -> s.name().equals("execution"))
                .map(OtlpReceiver.Span::instance)
                .collect(Collectors.toCollection(TreeSet::new));
        boolean done =
            executing.equals(workers)
                && found.stream().anyMatch(s -> s.name().equals("merge"))
                && found.stream()
                    .filter(s -> !s.parentSpanId().isEmpty())
                    .allMatch(
                        s -> found.stream().anyMatch(p -> p.spanId().equals(s.parentSpanId())));
        if (done) {
          return trace;
        }
      }
      Thread.sleep(200);
    }
    return trace;
  }

  private static void assertStep(List<OtlpReceiver.Span> trace, String name, String service) {
    assertTrue(
        trace.stream().anyMatch(s -> s.name().equals(name) && s.service().equals(service)),
        name
            + " from "
            + service
            + " in "
            + trace.stream().map(s -> s.service() + ":" + s.name()).sorted().distinct().toList());
  }

  /** The names of the spans above {@code span}, nearest first. */
  private static List<String> ancestors(
      OtlpReceiver.Span span, Map<String, OtlpReceiver.Span> byId) {
    List<String> names = new java.util.ArrayList<>();
    OtlpReceiver.Span at = byId.get(span.parentSpanId());
    while (at != null) {
      names.add(at.name());
      at = byId.get(at.parentSpanId());
    }
    return names;
  }
}
