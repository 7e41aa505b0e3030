package io.meshwork.executor.membership;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.meshwork.executor.ExecutorMain;
import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.GetCapacityRequest;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.identity.JoinSignature;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.StartRefusedException;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.CertificateRequest;
import io.meshwork.runtime.tls.PeerIdentity;
import io.meshwork.runtime.tls.TlsKeys;
import io.meshwork.runtime.tls.TlsTestClients;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Joining an orchestrator over real TLS, against an orchestrator the test plays: the signed bytes,
 * the certificate issued for the request, refusals, and a whole executor that joins before it
 * serves and then answers the orchestrator at the certificate it was issued.
 */
class JoinerTest {
  private static final String TOKEN = "mwjt_test-token";

  @TempDir Path dir;
  private Path caDir;
  private ServiceHost orchestratorHost;
  private TestOrchestrator orchestrator;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ServiceHost> executors = new ArrayList<>();

  @BeforeEach
  void startOrchestrator() {
    caDir = dir.resolve("ca");
    CertificateAuthority.loadOrCreate(caDir);
    AtomicReference<TestOrchestrator> made = new AtomicReference<>();
    orchestratorHost =
        ServiceHost.start(
            "orchestrator",
            TestOrchestrator.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir", dir.resolve("orchestrator").toString(),
                    "tls.dev-ca", caDir.toString())),
            ctx -> {
              made.set(new TestOrchestrator(ctx, TOKEN, caDir));
              return made.get();
            });
    orchestrator = made.get();
  }

  @AfterEach
  void stop() {
    executors.forEach(ServiceHost::close);
    channels.forEach(ManagedChannel::shutdownNow);
    orchestratorHost.close();
  }

  private String orchestratorTarget() {
    return "localhost:" + orchestratorHost.grpcPort();
  }

  @Test
  void theSignatureCoversContextBothDidsTheEndpointAndTheChallenge() {
    byte[] expected =
        ("meshwork-join-v1\0did:key:zO\0did:key:zE\0host:1\0").getBytes(StandardCharsets.UTF_8);
    byte[] withChallenge = new byte[expected.length + 2];
    System.arraycopy(expected, 0, withChallenge, 0, expected.length);
    withChallenge[expected.length] = 7;
    withChallenge[expected.length + 1] = 0;

    assertArrayEquals(
        withChallenge,
        JoinSignature.bytes("did:key:zO", "did:key:zE", "host:1", new byte[] {7, 0}));
  }

  @Test
  void aJoinWithTheTokenIsIssuedACertificateForTheExecutorsDid() throws Exception {
    Identity executor = Identity.generate();
    ManagedChannel channel = keep(TlsTestClients.user(orchestratorHost.grpcPort(), caDir));

    Joiner.Joined joined =
        new Joiner(executor, "127.0.0.1:7100", "chicory test", true)
            .join(
                channel,
                new BearerCredentials(executor),
                Optional.of(TOKEN),
                Optional.of(CertificateRequest.create(executor, TlsKeys.generate(), "executor")),
                MemberCapacity.newBuilder().setTaskSlots(2).build());

    assertEquals(orchestrator.did(), joined.orchestratorDid());
    assertEquals(50, joined.response().getHeartbeatIntervalMs());
    X509Certificate issued = certificate(joined.response().getCertificate());
    assertEquals(Optional.of(executor.did()), PeerIdentity.didOf(issued));
    assertEquals(
        "join " + executor.did() + " endpoint=127.0.0.1:7100 token=" + TOKEN + " csr=true",
        orchestrator.events.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void aWrongTokenIsRefusedNamingTheStatus() {
    Identity executor = Identity.generate();
    ManagedChannel channel = keep(TlsTestClients.user(orchestratorHost.grpcPort(), caDir));

    Joiner.JoinFailedException e =
        assertThrows(
            Joiner.JoinFailedException.class,
            () ->
                new Joiner(executor, "127.0.0.1:7100", "chicory test", true)
                    .join(
                        channel,
                        new BearerCredentials(executor),
                        Optional.of("mwjt_wrong"),
                        Optional.empty(),
                        MemberCapacity.getDefaultInstance()));

    assertEquals("PERMISSION_DENIED: the join token is wrong", e.getMessage());
  }

  @Test
  void anOrchestratorWhoseCertificateNamesAnotherDidIsNotJoined() {
    Identity executor = Identity.generate();
    // A second orchestrator, with a certificate of its own, that answers as the first one.
    AtomicReference<TestOrchestrator> impostor = new AtomicReference<>();
    ServiceHost other =
        ServiceHost.start(
            "orchestrator",
            TestOrchestrator.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir", dir.resolve("impostor").toString(),
                    "tls.dev-ca", caDir.toString())),
            ctx -> {
              impostor.set(new TestOrchestrator(ctx, TOKEN, caDir));
              return impostor.get();
            });
    impostor.get().claimedDid = orchestrator.did();
    executors.add(other);
    ManagedChannel channel = keep(TlsTestClients.user(other.grpcPort(), caDir));

    Joiner.JoinFailedException e =
        assertThrows(
            Joiner.JoinFailedException.class,
            () ->
                new Joiner(executor, "127.0.0.1:7100", "chicory test", true)
                    .join(
                        channel,
                        new BearerCredentials(executor),
                        Optional.of(TOKEN),
                        Optional.empty(),
                        MemberCapacity.getDefaultInstance()));

    assertTrue(e.getMessage().contains("its TLS certificate names"), e.getMessage());
  }

  @Test
  void anExecutorJoinsBeforeItServesAndAnswersTheOrchestratorWithTheIssuedCertificate()
      throws Exception {
    int port = freePort();
    ServiceHost executor =
        ExecutorMain.start(
            new MapSettings(
                Map.of(
                    "data-dir", dir.resolve("executor").toString(),
                    "grpc.port", Integer.toString(port),
                    "tls.dev-ca", caDir.toString(),
                    "executor.join", orchestratorTarget(),
                    "executor.join-token", TOKEN)),
            ExecutorNode.Alterations.NONE);
    executors.add(executor);
    String did = executor.context().identity().did();

    assertEquals(
        "join " + did + " endpoint=127.0.0.1:" + port + " token=" + TOKEN + " csr=true",
        orchestrator.events.poll(10, TimeUnit.SECONDS));
    assertTrue(
        orchestrator.events.poll(10, TimeUnit.SECONDS).startsWith("heartbeat 1 draining=false"));
    Path joined = dir.resolve("executor").resolve("tls-joined");
    if (joined.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(joined.resolve("key.pem"))));
    }

    // The orchestrator, by its own certificate, reaches the executor: the join gave it the role.
    ManagedChannel toExecutor =
        keep(TlsTestClients.party(port, caDir, orchestratorHost.context().identity()));
    AtomicReference<String> served = new AtomicReference<>();
    GetCapacityResponse capacity =
        ExecutorServiceGrpc.newBlockingStub(toExecutor)
            .withInterceptors(PeerIdentity.captureServerDid(served))
            .getCapacity(GetCapacityRequest.getDefaultInstance());
    assertEquals(did, capacity.getExecutorDid());
    assertEquals(did, served.get());

    executor.close();
    String event = orchestrator.events.poll(10, TimeUnit.SECONDS);
    while (event != null && event.startsWith("heartbeat ")) {
      event = orchestrator.events.poll(10, TimeUnit.SECONDS);
    }
    assertEquals("leave " + did + " drained", event);
  }

  @Test
  void aRefusedJoinStopsTheStartWithTheReason() {
    StartRefusedException e =
        assertThrows(
            StartRefusedException.class,
            () ->
                ExecutorMain.start(
                    new MapSettings(
                        Map.of(
                            "data-dir", dir.resolve("executor").toString(),
                            "grpc.port", Integer.toString(freePort()),
                            "tls.dev-ca", caDir.toString(),
                            "executor.join", orchestratorTarget(),
                            "executor.join-token", "mwjt_wrong")),
                    ExecutorNode.Alterations.NONE));

    assertEquals(
        "the orchestrator at "
            + orchestratorTarget()
            + " did not admit this executor: PERMISSION_DENIED: the join token is wrong",
        e.getMessage());
  }

  private ManagedChannel keep(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  private static X509Certificate certificate(String pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
