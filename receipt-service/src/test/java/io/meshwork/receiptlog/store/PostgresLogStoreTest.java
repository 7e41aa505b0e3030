package io.meshwork.receiptlog.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.format.OfflineVerifier;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.GetConsistencyProofRequest;
import io.meshwork.receipt.v1.GetInclusionProofRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receipt.v1.ReceiptServiceGrpc.ReceiptServiceBlockingStub;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.testing.postgres.TestPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL store against a real server: the same store contract as SQLite, and the receipt
 * service chosen by {@code receipts.store=postgres}, anchoring and proving across a restart.
 */
class PostgresLogStoreTest extends LogStoreContract {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres postgres;

  @TempDir Path dir;
  private String url;

  @BeforeAll
  static void startPostgres() {
    postgres = TestPostgres.start();
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @BeforeEach
  void freshDatabase() {
    url = postgres.createDatabase("receipts_" + DATABASES.incrementAndGet());
  }

  @Override
  LogStore open() {
    return PostgresLogStore.open(url, postgres.user(), postgres.password());
  }

  @Test
  void theReceiptServiceRunsOnPostgresWhenConfigured() throws Exception {
    Identity orchestrator = Identity.generate();
    Identity executor = Identity.generate();
    Map<String, String> settings =
        Map.of(
            "data-dir",
            dir.toString(),
            "receipts.origin",
            "pg.test/receipts",
            "receipts.store",
            "postgres",
            "receipts.postgres.url",
            url,
            "receipts.postgres.user",
            postgres.user(),
            "receipts.postgres.password",
            postgres.password(),
            "auth.orchestrators",
            orchestrator.did(),
            "auth.executors",
            executor.did());
    List<ExecutionReceipt> receipts =
        IntStream.range(0, 9).mapToObj(i -> TestReceipts.signed(executor, "pg", "t" + i)).toList();
    for (int run = 0; run < 2; run++) {
      String name = InProcessServerBuilder.generateName();
      ServiceHost host =
          ServiceHost.start(
              "receipts",
              ReceiptSettings.SCHEMA,
              new MapSettings(settings),
              ReceiptService::create,
              InProcessServerBuilder.forName(name),
              target -> InProcessChannelBuilder.forName(target).build(),
              ServiceMetrics.none(),
              Clock.systemUTC());
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      try {
        var vkey =
            SignedNote.parseVerifierKey(
                SignedNote.verifierKey("pg.test/receipts", host.context().identity().publicKey()));
        ReceiptServiceBlockingStub log =
            ReceiptServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(new BearerCredentials(orchestrator));
        List<ExecutionReceiptAvailableV1> anchored =
            log.anchorReceipts(
                    AnchorReceiptsRequest.newBuilder()
                        .addAllReceipts(run == 0 ? receipts.subList(0, 5) : receipts)
                        .build())
                .getAnchoredList();
        // Anchoring again after the restart keeps the first five where they were.
        assertEquals(2, anchored.get(2).getLogIndex());
        assertEquals(run == 0 ? 5 : 9, anchored.get(0).getTreeSize());
        for (ExecutionReceiptAvailableV1 a : anchored) {
          String bundle =
              log.getInclusionProof(
                      GetInclusionProofRequest.newBuilder().setCid(a.getReceiptCid()).build())
                  .getProofBundle();
          OfflineVerifier.verify(bundle, vkey, Optional.empty(), Optional.of(a.getReceiptCid()));
        }
        if (run == 1) {
          var proof =
              log.getConsistencyProof(
                  GetConsistencyProofRequest.newBuilder().setFromSize(5).setToSize(9).build());
          assertTrue(proof.getPathCount() > 0);
        }
      } finally {
        channel.shutdownNow();
        host.close();
      }
    }
  }
}
