package io.meshwork.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.core.EntryKind;
import io.meshwork.ledger.core.HistoryEntry;
import io.meshwork.ledger.core.LedgerAudit;
import io.meshwork.ledger.core.LedgerStore;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.store.PostgresLedgerStore;
import io.meshwork.ledger.store.SqliteLedgerStore;
import io.meshwork.ledger.v1.CreateHoldRequest;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.ledger.v1.Operation;
import io.meshwork.ledger.v1.OperationResult;
import io.meshwork.ledger.v1.PostHoldRequest;
import io.meshwork.ledger.v1.SubmitOperationsRequest;
import io.meshwork.ledger.v1.SubmitOperationsResponse;
import io.meshwork.ledger.v1.TransferRequest;
import io.meshwork.ledger.v1.VoidHoldRequest;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.TlsTestClients;
import io.meshwork.testing.postgres.TestPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Must-show 3: the ledger as its own JVM, under concurrent batched load over gRPC, killed with
 * SIGKILL several times and restarted on the same data. After each kill, with the process dead, the
 * test opens the database itself and checks that every operation a client saw acknowledged is there
 * exactly once and that the ledger's invariants hold.
 */
class LedgerCrashTest {
  private static final int KILLS = 3;
  private static final int CLIENTS = 4;
  private static final int BATCH = 16;

  @TempDir Path dir;

  private final Identity service = Identity.generate();
  private final List<String> users = new ArrayList<>();

  @Test
  void sqliteKeepsEveryAcknowledgedOperationThroughKill9() throws Exception {
    Path data = dir.resolve("ledger");
    survivesKills(
        List.of("ledger.store=sqlite", "data-dir=" + data),
        () -> SqliteLedgerStore.inDirectory(data, 1));
  }

  @Test
  void postgresKeepsEveryAcknowledgedOperationThroughKill9() throws Exception {
    try (TestPostgres postgres = TestPostgres.start()) {
      String url = postgres.createDatabase("crash");
      survivesKills(
          List.of(
              "ledger.store=postgres",
              "data-dir=" + dir.resolve("ledger"),
              "ledger.postgres.url=" + url,
              "ledger.postgres.user=" + postgres.user(),
              "ledger.postgres.password=" + postgres.password()),
          () -> PostgresLedgerStore.open(url, postgres.user(), postgres.password(), 1));
    }
  }

  private void survivesKills(List<String> storeSettings, Supplier<LedgerStore> openDirectly)
      throws Exception {
    for (int i = 0; i < 8; i++) {
      users.add(Identity.generate().did());
    }
    int port = freePort();
    Map<String, EntryKind> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean running = new AtomicBoolean(true);
    // The ledger serves TLS with a certificate from this development CA; the clients call as the
    // mesh's service over mutual TLS, with a certificate the CA issues for the service's key.
    CertificateAuthority.loadOrCreate(dir.resolve("tls"));
    ManagedChannel channel = TlsTestClients.party(port, dir.resolve("tls"), service);
    List<Thread> clients = new ArrayList<>();
    Process ledger = launch(port, storeSettings);
    try {
      awaitServing(channel, ledger);
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        clients.add(
            Thread.ofPlatform()
                .name("crash-client-" + c)
                .start(() -> load(channel, client, acknowledged, running)));
      }
      for (int kill = 1; kill <= KILLS; kill++) {
        int before = acknowledged.size();
        // Let the load run until some more operations are acknowledged, then kill mid-stream.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acknowledged.size() < before + 300 && System.nanoTime() < until) {
          Thread.sleep(20);
        }
        ledger.destroyForcibly();
        ledger.waitFor();
        Map<String, EntryKind> seenAcknowledged = Map.copyOf(acknowledged);
        assertTrue(seenAcknowledged.size() > before, "round " + kill + " acknowledged nothing");
        try (LedgerStore store = openDirectly.get()) {
          verify(store, seenAcknowledged, "after kill " + kill);
        }
        ledger = launch(port, storeSettings);
        awaitServing(channel, ledger);
      }
      // One more stretch of load after the last restart, then a clean final check.
      int before = acknowledged.size();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (acknowledged.size() < before + 100 && System.nanoTime() < until) {
        Thread.sleep(20);
      }
    } finally {
      running.set(false);
      for (Thread t : clients) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      ledger.destroyForcibly();
      ledger.waitFor();
      channel.shutdownNow();
    }
    try (LedgerStore store = openDirectly.get()) {
      verify(store, Map.copyOf(acknowledged), "at the end");
    }
  }

  /** Every acknowledged operation is present exactly once, and the ledger balances. */
  private void verify(LedgerStore store, Map<String, EntryKind> acknowledged, String when) {
    LedgerAudit audit = store.read(r -> r.audit(ManaLedger.MINT_ACCOUNT, 0));
    assertTrue(audit.isSound(), when + ": " + audit.violations());
    Map<String, Map<EntryKind, Integer>> seen = new HashMap<>();
    store.read(
        r -> {
          for (String did : users) {
            for (HistoryEntry e : r.history(did, "", Long.MAX_VALUE, Integer.MAX_VALUE)) {
              if (!e.requestId().isEmpty()) {
                seen.computeIfAbsent(e.requestId(), k -> new EnumMap<>(EntryKind.class))
                    .merge(e.kind(), 1, Integer::sum);
              }
            }
          }
          return null;
        });
    for (var ack : acknowledged.entrySet()) {
      String rid = ack.getKey();
      Map<EntryKind, Integer> kinds = seen.getOrDefault(rid, Map.of());
      assertTrue(
          store.read(r -> r.request(ManaLedger.recordedRequestKey(service.did(), rid))).isPresent(),
          when + ": " + rid + " is lost");
      switch (ack.getValue()) {
        case HOLD -> assertEquals(Map.of(EntryKind.HOLD, 1), kinds, when + ": " + rid);
        case POST -> {
          assertEquals(2, kinds.getOrDefault(EntryKind.POST, 0), when + ": " + rid);
          assertTrue(kinds.getOrDefault(EntryKind.RELEASE, 0) <= 1, when + ": " + rid);
        }
        case TRANSFER -> assertEquals(Map.of(EntryKind.TRANSFER, 2), kinds, when + ": " + rid);
        default -> assertTrue(kinds.getOrDefault(EntryKind.RELEASE, 0) <= 1, when + ": " + rid);
      }
    }
  }

  /**
   * One client: batches of holds, posts and voids on its own holds, and transfers. A batch that
   * fails (the ledger is dead, or died mid-call) is resent unchanged until it gets an answer, as a
   * caller that timed out would; the request ids make that safe.
   */
  private void load(
      ManagedChannel channel,
      int client,
      Map<String, EntryKind> acknowledged,
      AtomicBoolean running) {
    LedgerServiceGrpc.LedgerServiceBlockingStub stub = LedgerServiceGrpc.newBlockingStub(channel);
    Random random = new Random(client);
    List<String> holds = new ArrayList<>();
    int sequence = 0;
    while (running.get()) {
      SubmitOperationsRequest.Builder batch = SubmitOperationsRequest.newBuilder();
      List<EntryKind> kinds = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < BATCH; i++) {
        String rid = "c" + client + "-" + sequence++;
        String payer = users.get(random.nextInt(users.size()));
        String payee = users.get((users.indexOf(payer) + 1) % users.size());
        int action = random.nextInt(10);
        if (action < 4 || holds.isEmpty()) {
          batch.addOperations(
              Operation.newBuilder()
                  .setCreateHold(
                      CreateHoldRequest.newBuilder()
                          .setRequestId(rid)
                          .setPayerDid(payer)
                          .setAmount(1 + random.nextInt(500))
                          .setJobId("job-" + rid)));
          kinds.add(EntryKind.HOLD);
        } else if (action < 7) {
          batch.addOperations(
              Operation.newBuilder()
                  .setPostHold(
                      PostHoldRequest.newBuilder()
                          .setRequestId(rid)
                          .setHoldId(holds.get(random.nextInt(holds.size())))
                          .setPayeeDid(payee)
                          .setAmount(1 + random.nextInt(100))
                          .setFinal(random.nextInt(3) == 0)));
          kinds.add(EntryKind.POST);
        } else if (action < 8) {
          batch.addOperations(
              Operation.newBuilder()
                  .setVoidHold(
                      VoidHoldRequest.newBuilder()
                          .setRequestId(rid)
                          .setHoldId(holds.remove(random.nextInt(holds.size())))));
          kinds.add(EntryKind.RELEASE);
        } else {
          batch.addOperations(
              Operation.newBuilder()
                  .setTransfer(
                      TransferRequest.newBuilder()
                          .setRequestId(rid)
                          .setFromDid(payer)
                          .setToDid(payee)
                          .setAmount(1 + random.nextInt(200))));
          kinds.add(EntryKind.TRANSFER);
        }
        ids.add(rid);
      }
      SubmitOperationsResponse response = null;
      while (response == null) {
        try {
          response = stub.withDeadlineAfter(10, TimeUnit.SECONDS).submit(batch.build());
        } catch (StatusRuntimeException unavailable) {
          if (!running.get()) {
            return;
          }
          sleep(100);
        }
      }
      for (int i = 0; i < ids.size(); i++) {
        OperationResult result = response.getResults(i);
        if (result.hasError()) {
          continue;
        }
        acknowledged.put(ids.get(i), kinds.get(i));
        if (result.hasCreateHold()) {
          holds.add(result.getCreateHold().getHold().getHoldId());
        }
      }
      if (holds.size() > 50) {
        holds.subList(0, holds.size() - 50).clear();
      }
    }
  }

  private Process launch(int port, List<String> storeSettings) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xmx256m");
    // The client JIT only: the process lives for seconds, beside others on two cores.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LedgerMain.class.getName());
    List<String> settings = new ArrayList<>(storeSettings);
    settings.addAll(
        List.of(
            "grpc.port=" + port,
            "admin.port=-1",
            "identity.file=" + dir.resolve("ledger.key"),
            "auth.orchestrators=" + service.did(),
            "mesh.dev-mode=true",
            "tls.dev-ca=" + dir.resolve("tls"),
            "ledger.dev-grant=1000000"));
    for (String s : settings) {
      command.add("--set");
      command.add(s);
    }
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("ledger.log").toFile()))
        .start();
  }

  private void awaitServing(ManagedChannel channel, Process ledger) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (true) {
      // The channel backs off between reconnects while the ledger is dead; try at once instead.
      channel.resetConnectBackoff();
      try {
        HealthCheckResponse r =
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(1, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
          return;
        }
      } catch (StatusRuntimeException notYet) {
        if (!ledger.isAlive() || System.nanoTime() > until) {
          throw new AssertionError(
              "the ledger did not start; its log is " + dir.resolve("ledger.log"), notYet);
        }
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
