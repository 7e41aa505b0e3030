package io.meshwork.orchestrator.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.OrchestratorService;
import io.meshwork.orchestrator.OrchestratorSettings;
import io.meshwork.orchestrator.membership.MemberSource;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MemberView;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.CertificateRequest;
import io.meshwork.runtime.tls.TlsKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator's own executor on a production-style orchestrator: its certificate comes from
 * files (tls.cert, not the development CA), so the local executor is certified by the CA that
 * certifies joiners (orchestrator.join-ca), and the orchestrator reaches it over mutual TLS.
 */
class LocalExecutorTest {
  @TempDir Path dir;

  @Test
  void withItsOwnCertificateTheOrchestratorCertifiesItsLocalExecutorFromTheJoinCa()
      throws Exception {
    Path caDir = dir.resolve("ca");
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir);
    Path data = dir.resolve("orchestrator");
    Files.createDirectories(data);
    Identity orchestrator = Identity.loadOrCreate(data.resolve("orchestrator.key"));
    KeyPair tlsKey = TlsKeys.generate();
    Path cert = dir.resolve("orchestrator.pem");
    Path key = dir.resolve("orchestrator.key.pem");
    Files.writeString(
        cert,
        CertificateAuthority.certificatePem(
            ca.issue(
                CertificateRequest.create(orchestrator, tlsKey, "orchestrator"),
                CertificateAuthority.LOOPBACK_NAMES,
                Duration.ofDays(1))));
    Files.writeString(key, TlsKeys.privateKeyPem(tlsKey.getPrivate()));
    try (ServiceHost host =
        ServiceHost.start(
            "orchestrator",
            OrchestratorSettings.SCHEMA,
            new MapSettings(
                Map.ofEntries(
                    Map.entry("data-dir", data.toString()),
                    Map.entry("grpc.host", "127.0.0.1"),
                    Map.entry("grpc.port", "0"),
                    Map.entry("admin.port", "-1"),
                    Map.entry("tls.cert", cert.toString()),
                    Map.entry("tls.key", key.toString()),
                    Map.entry("tls.ca", caDir.resolve("ca.pem").toString()),
                    Map.entry("orchestrator.join-ca", caDir.toString()),
                    Map.entry("orchestrator.local-slots", "1"),
                    // Nothing here reaches them.
                    Map.entry("orchestrator.ledger", "127.0.0.1:1"),
                    Map.entry("orchestrator.receipts", "127.0.0.1:1"))),
            OrchestratorService::create)) {
      OrchestratorService service = (OrchestratorService) host.service();
      List<MemberView> members = service.membership().list(false);
      assertEquals(1, members.size(), members.toString());
      MemberView local = members.get(0);
      assertEquals(MemberSource.LOCAL, local.source());
      assertEquals(MemberState.LIVE, local.state());
      // It heartbeats nothing, yet operators see its size like any member's.
      assertEquals(1, local.load().taskSlots(), local.toString());
      assertEquals(Runtime.getRuntime().availableProcessors(), local.load().cpuCores());
      assertTrue(local.load().ramMb() > 0, local.toString());
      ExecutorHandle handle = service.membership().lastResort().orElseThrow();
      // Over mutual TLS: the local executor's certificate, from the join CA, names its DID.
      assertEquals(local.did(), handle.identify(Duration.ofSeconds(20)));
    }
  }
}
