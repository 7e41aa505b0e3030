package io.meshwork.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.core.EntryKind;
import io.meshwork.ledger.core.ManaLedger;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.config.MapSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deployable's wiring: settings, the database file, the sweeper and the metrics. */
class LedgerServiceTest {
  @TempDir Path dataDir;

  private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();

  @Test
  void createOpensTheDatabaseSweepsExpiredHoldsAndCountsWhatMoved() throws Exception {
    ServiceContext ctx =
        context(
            Map.of(
                "data-dir", dataDir.toString(),
                "mesh.dev-mode", "true",
                "ledger.dev-grant", "500",
                "ledger.expiry-sweep-interval", "20"));
    try (LedgerService service = LedgerService.create(ctx)) {
      assertTrue(Files.exists(dataDir.resolve("ledger.db")));
      assertTrue(service.ready());
      assertEquals(
          List.of(LedgerServiceGrpc.SERVICE_NAME),
          service.grpcServices().stream().map(s -> s.access().serviceName()).toList());
      ManaLedger ledger = service.ledger();

      ledger.createHold("h1", "did:key:alice", 200, "job-1", Duration.ofMillis(1), "");

      // The sweeper, not a read, must expire it: wait on the metric rather than touch the hold.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (count("meshwork_ledger_holds_total", "state", "expired") == 0
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1, count("meshwork_ledger_holds_total", "state", "expired"));
      assertEquals(1, count("meshwork_ledger_holds_total", "state", "pending"));
      assertEquals(500, count("meshwork_ledger_mana_moved_total", "kind", "mint"));
      assertEquals(200, count("meshwork_ledger_mana_moved_total", "kind", "hold"));
      assertEquals(200, count("meshwork_ledger_mana_moved_total", "kind", "expire"));
      assertEquals(
          EntryKind.EXPIRE, ledger.history("did:key:alice", "", 0, "").entries().get(0).kind());

      ledger.createHold("h1", "did:key:alice", 200, "job-1", Duration.ofMillis(1), "");
      assertEquals(1, count("meshwork_ledger_request_replays_total", "operation", "CreateHold"));
    }
  }

  @Test
  void outsideDevelopmentModeThereIsNoGrant() {
    ServiceContext ctx = context(Map.of("data-dir", dataDir.toString()));
    try (LedgerService service = LedgerService.create(ctx)) {
      assertFalse(service.grpcServices().isEmpty());
      service.ledger().mint("m1", "did:key:alice", 5, "");
      assertEquals(5, service.ledger().account("did:key:alice").balance());
    }
  }

  @Test
  void accountFloorsGiveSomeAccountsTheirOwnFloor() {
    String lender = Identity.generate().did();
    String saver = Identity.generate().did();
    ManaLedger.Options options =
        LedgerSettings.from(
                new MapSettings(
                    Map.of(
                        "ledger.floor",
                        "10",
                        "ledger.account-floors",
                        " " + lender + "=-500 , " + saver + "=100")))
            .ledger();

    assertEquals(-500, options.floorOf(lender));
    assertEquals(100, options.floorOf(saver));
    assertEquals(10, options.floorOf(Identity.generate().did()));
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                LedgerSettings.from(
                    new MapSettings(Map.of("ledger.account-floors", "did:key:x=5"))));
    assertTrue(bad.getMessage().contains("ledger.account-floors"), bad.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            LedgerSettings.from(
                new MapSettings(Map.of("ledger.account-floors", lender + "=lots"))));
  }

  @Test
  void aClosedServiceIsNotReady() {
    LedgerService service = LedgerService.create(context(Map.of("data-dir", dataDir.toString())));
    service.close();
    assertFalse(service.ready());
  }

  private long count(String name, String tag, String value) {
    AtomicLong c = counters.get(name + "{" + tag + "=" + value + "}");
    return c == null ? 0 : c.get();
  }

  private ServiceContext context(Map<String, String> settings) {
    ServiceMetrics metrics =
        new ServiceMetrics() {
          @Override
          public Counter counter(String name, String description, String... tags) {
            AtomicLong c =
                counters.computeIfAbsent(
                    name + "{" + tags[0] + "=" + tags[1] + "}", k -> new AtomicLong());
            return c::addAndGet;
          }

          @Override
          public Timer timer(String name, String description, String... tags) {
            return nanos -> {};
          }

          @Override
          public void gauge(String name, String description, DoubleSupplier value) {}
        };
    return new ServiceContext(
        "ledger",
        new MapSettings(settings),
        Identity.generate(),
        MeshRoles.none(),
        metrics,
        Clock.systemUTC(),
        target -> InProcessChannelBuilder.forName(target).build());
  }
}
