package io.meshwork.runtime.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Services served by {@link ServiceHost} on Netty with TLS from a development CA: who a caller is
 * follows from what it proved on the connection, its roles from the role lists whether a
 * certificate or a token named it, and a caller without TLS, or without a certificate from the
 * mesh's CA, gets none of the roles of the mesh's parties.
 */
class MutualTlsTest {
  private static final String SERVICE = "meshwork.test.WhoAmI";
  private static final MethodDescriptor.Marshaller<StringValue> TEXT =
      ProtoUtils.marshaller(StringValue.getDefaultInstance());

  /** Answers "DID ROLES" for the caller, such as "did:key:z6Mk... user, orchestrator". */
  private static final MethodDescriptor<StringValue, StringValue> WHO = method("Who");

  /** Answers as WHO does, to orchestrators only. */
  private static final MethodDescriptor<StringValue, StringValue> FOR_ORCHESTRATORS =
      method("ForOrchestrators");

  /** Calls WHO on the target it is given as the service, and answers "ANSWER server=DID". */
  private static final MethodDescriptor<StringValue, StringValue> ASK_PEER = method("AskPeer");

  private static final SettingsSchema SCHEMA =
      SettingsSchema.of(
          "whoami",
          SharedSettings.ALL,
          List.of(SharedSettings.AUTH_OPERATORS, SharedSettings.AUTH_ORCHESTRATORS));

  @TempDir Path dir;

  private final List<ServiceHost> hosts = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    hosts.forEach(ServiceHost::close);
  }

  @Test
  void aPlaintextClientIsRefusedByTheServicePort() {
    ServiceHost host = start("a", Map.of());
    ManagedChannel plaintext =
        keep(NettyChannelBuilder.forAddress("127.0.0.1", host.grpcPort()).usePlaintext().build());

    assertEquals(Status.Code.UNAVAILABLE, failure(() -> health(plaintext)).getCode());
    assertEquals(
        Status.Code.UNAVAILABLE,
        failure(() -> who(plaintext, new BearerCredentials(Identity.generate()))).getCode());
  }

  @Test
  void aClientThatHoldsOnlyTheCaCertificateVerifiesTheServerNameLocalhost() throws Exception {
    ServiceHost host = start("a", Map.of());
    ManagedChannel byName =
        keep(
            NettyChannelBuilder.forAddress("127.0.0.1", host.grpcPort())
                .overrideAuthority("localhost")
                .sslContext(
                    GrpcSslContexts.forClient()
                        .trustManager(dir.resolve("tls").resolve("ca.pem").toFile())
                        .build())
                .build());

    assertEquals(ServingStatus.SERVING, health(byName));
  }

  @Test
  void aClientThatDoesNotTrustTheCaGetsNoConnection() {
    ServiceHost host = start("a", Map.of());
    ManagedChannel systemTrust =
        keep(NettyChannelBuilder.forAddress("127.0.0.1", host.grpcPort()).build());

    Status status = failure(() -> health(systemTrust));

    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
  }

  @Test
  void aUserCallsWithItsTokenOverServerAuthenticatedTls() {
    ServiceHost host = start("a", Map.of());
    Identity user = Identity.generate();

    String answer = who(user(host), new BearerCredentials(user));

    assertEquals(user.did() + " user", answer);
  }

  @Test
  void anOperatorsTokenOverTlsKeepsTheOperatorRole() {
    Identity operator = Identity.generate();
    ServiceHost host = start("a", Map.of("auth.operators", operator.did()));

    String answer = who(user(host), new BearerCredentials(operator));

    assertEquals(operator.did() + " user, operator", answer);
  }

  @Test
  void aPartysTokenWithoutItsCertificateIsAUserNeverTheParty() {
    Identity orchestrator = Identity.generate();
    ServiceHost host = start("a", Map.of("auth.orchestrators", orchestrator.did()));

    // The tokens are genuine, but they came over TLS without the mesh's client certificate.
    String answer = who(user(host), new BearerCredentials(orchestrator));
    String own = who(user(host), new BearerCredentials(host.context().identity()));
    ErrorInfo refused =
        refusal(
            Status.Code.PERMISSION_DENIED,
            () -> call(user(host), FOR_ORCHESTRATORS, new BearerCredentials(orchestrator)));

    assertEquals(orchestrator.did() + " user", answer);
    assertEquals(host.context().identity().did() + " user", own, "nor the service itself");
    assertEquals("ROLE_REQUIRED", refused.getReason());
    assertEquals("user", refused.getMetadataOrThrow("caller_roles"));
    assertEquals("orchestrator", refused.getMetadataOrThrow("certificate_roles"));
  }

  @Test
  void aCertificateFromTheMeshsCaNamesTheCallerWithoutAToken() {
    Identity orchestrator = Identity.generate();
    ServiceHost host = start("a", Map.of("auth.orchestrators", orchestrator.did()));
    ManagedChannel mutual =
        keep(TlsTestClients.party(host.grpcPort(), dir.resolve("tls"), orchestrator));

    String answer = who(mutual, null);

    assertEquals(orchestrator.did() + " user, orchestrator", answer);
    assertEquals(orchestrator.did() + " user, orchestrator", call(mutual, FOR_ORCHESTRATORS, null));
  }

  @Test
  void aCertificateGivesTheRolesOfTheRoleListsAndNoOther() {
    Identity unlisted = Identity.generate();
    ServiceHost host = start("a", Map.of("auth.orchestrators", Identity.generate().did()));
    ManagedChannel mutual =
        keep(TlsTestClients.party(host.grpcPort(), dir.resolve("tls"), unlisted));

    ErrorInfo refused =
        refusal(Status.Code.PERMISSION_DENIED, () -> call(mutual, FOR_ORCHESTRATORS, null));

    assertEquals(unlisted.did() + " user", who(mutual, null));
    assertEquals("ROLE_REQUIRED", refused.getReason());
    assertEquals(unlisted.did(), refused.getMetadataOrThrow("caller"));
    assertFalse(refused.containsMetadata("certificate_roles"));
  }

  @Test
  void aCertificateFromAnotherCaIsNotPresentedAndTheCallIsAUser() throws Exception {
    Identity service = Identity.generate();
    ServiceHost host = start("a", Map.of("auth.orchestrators", service.did()));
    CertificateAuthority foreign = CertificateAuthority.create("foreign", Clock.systemUTC());
    Path files = writeFiles(foreign, service, "foreign");
    // A client that trusts the mesh's CA for the server and holds a foreign certificate: the server
    // names the mesh's CA as the one it accepts, so the client's TLS stack offers no certificate.
    ServiceTls holding =
        ServiceTls.of(
            new TlsOptions(
                false,
                Optional.of(files.resolve("tls.crt")),
                Optional.of(files.resolve("tls.key")),
                Optional.of(dir.resolve("tls").resolve("ca.pem")),
                dir),
            service,
            "forged");
    ManagedChannel channel =
        keep(
            NettyChannelBuilder.forAddress("127.0.0.1", host.grpcPort())
                .sslContext(holding.clientContext())
                .build());

    assertEquals(service.did() + " user", who(channel, new BearerCredentials(service)));
  }

  @Test
  void aCertificateFromAnotherCaPresentedAnywayIsRefusedInTheHandshake() throws Exception {
    Identity service = Identity.generate();
    ServiceHost host = start("a", Map.of("auth.orchestrators", service.did()));
    CertificateAuthority foreign = CertificateAuthority.create("foreign", Clock.systemUTC());
    KeyPair key = TlsKeys.generate();
    X509Certificate forged =
        foreign.issue(
            CertificateRequest.create(service, key, "forged"),
            CertificateAuthority.LOOPBACK_NAMES,
            Duration.ofDays(1));
    ManagedChannel channel =
        keep(
            NettyChannelBuilder.forAddress("127.0.0.1", host.grpcPort())
                .sslContext(
                    GrpcSslContexts.configure(
                            SslContextBuilder.forClient()
                                .keyManager(new AlwaysPresent(key.getPrivate(), forged)),
                            SslProvider.JDK)
                        .trustManager(dir.resolve("tls").resolve("ca.pem").toFile())
                        .build())
                .build());

    Status status = failure(() -> who(channel, new BearerCredentials(service)));

    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
  }

  /** A client key manager that presents its certificate whatever CAs the server asks for. */
  private static final class AlwaysPresent extends X509ExtendedKeyManager {
    private final PrivateKey key;
    private final X509Certificate certificate;

    AlwaysPresent(PrivateKey key, X509Certificate certificate) {
      this.key = key;
      this.certificate = certificate;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {"forged"};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return "forged";
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return "forged";
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[0];
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return new X509Certificate[] {certificate};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key;
    }
  }

  @Test
  void servicesCallEachOtherOverMutualTlsAndLearnEachOthersDid() {
    Identity aKey = identity("a");
    Identity bKey = identity("b");
    String both = aKey.did() + "," + bKey.did();
    ServiceHost a = start("a", Map.of("auth.orchestrators", both));
    ServiceHost b = start("b", Map.of("auth.orchestrators", both));
    assertTrue(b.context().mutualTls());

    // b, asked by a user, calls a with its context's channel and credentials.
    String answer =
        ClientCalls.blockingUnaryCall(
                user(b),
                ASK_PEER,
                CallOptions.DEFAULT
                    .withCallCredentials(new BearerCredentials(Identity.generate()))
                    .withDeadlineAfter(30, TimeUnit.SECONDS),
                StringValue.of("127.0.0.1:" + a.grpcPort()))
            .getValue();

    assertEquals(bKey.did() + " user, orchestrator server=" + aKey.did(), answer);
  }

  @Test
  void theHealthPortServesHealthInPlaintextAndNothingElse() {
    ServiceHost host = start("a", Map.of("grpc.health-port", "0"));
    ManagedChannel probe =
        keep(NettyChannelBuilder.forAddress("127.0.0.1", host.healthPort()).usePlaintext().build());

    assertEquals(ServingStatus.SERVING, health(probe));
    assertEquals(
        Status.Code.UNIMPLEMENTED,
        failure(() -> who(probe, new BearerCredentials(Identity.generate()))).getCode());
    assertEquals(
        Status.Code.UNIMPLEMENTED,
        failure(
                () -> {
                  var responses =
                      ServerReflectionGrpc.newBlockingV2Stub(probe)
                          .withDeadlineAfter(10, TimeUnit.SECONDS)
                          .serverReflectionInfo();
                  try {
                    responses.write(
                        ServerReflectionRequest.newBuilder().setListServices("").build());
                    return responses.read();
                  } catch (io.grpc.StatusException e) {
                    throw e.getStatus().asRuntimeException();
                  }
                })
            .getCode());
    assertEquals(-1, start("b", Map.of()).healthPort(), "off by default");
  }

  @Test
  void productionFilesNamingTheServicesDidAreServed() throws Exception {
    Identity identity = identity("a");
    CertificateAuthority ca = CertificateAuthority.create("production", Clock.systemUTC());
    Path files = writeFiles(ca, identity, "prod");
    ServiceHost host =
        start(
            "a",
            Map.of(
                "tls.cert", files.resolve("tls.crt").toString(),
                "tls.key", files.resolve("tls.key").toString(),
                "tls.ca", files.resolve("ca.crt").toString()));
    ManagedChannel trusting =
        keep(
            NettyChannelBuilder.forAddress("127.0.0.1", host.grpcPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(ca.certificate()).build())
                .build());

    assertEquals(ServingStatus.SERVING, health(trusting));
    assertTrue(Files.notExists(dir.resolve("tls")), "no development CA was made");
  }

  @Test
  void aCertificateFileNamingAnotherDidStopsTheServiceNamingTheSetting() throws Exception {
    identity("a");
    CertificateAuthority ca = CertificateAuthority.create("production", Clock.systemUTC());
    Path files = writeFiles(ca, Identity.generate(), "other");

    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    "a",
                    Map.of(
                        "tls.cert", files.resolve("tls.crt").toString(),
                        "tls.key", files.resolve("tls.key").toString(),
                        "tls.ca", files.resolve("ca.crt").toString())));
    assertTrue(e.getMessage().startsWith("setting 'tls.cert'"), e.getMessage());
  }

  @Test
  void settingsThatDoNotFitTogetherStopTheService() {
    String cert = dir.resolve("x.pem").toString();
    assertTrue(
        assertThrows(
                SettingsException.class,
                () -> start("a", Map.of("tls.plaintext", "true", "tls.cert", cert)))
            .getMessage()
            .contains("tls.plaintext"));
    assertTrue(
        assertThrows(SettingsException.class, () -> start("a", Map.of("tls.cert", cert)))
            .getMessage()
            .contains("'tls.key'"));
  }

  @Test
  void plaintextIsStillThereForDebugging() {
    Identity orchestrator = Identity.generate();
    ServiceHost host =
        start("a", Map.of("tls.plaintext", "true", "auth.orchestrators", orchestrator.did()));
    ManagedChannel plaintext =
        keep(NettyChannelBuilder.forAddress("127.0.0.1", host.grpcPort()).usePlaintext().build());
    Identity user = Identity.generate();

    assertEquals(user.did() + " user", who(plaintext, new BearerCredentials(user)));
    // Without TLS there is no certificate to ask for: tokens decide alone, as before TLS.
    assertEquals(
        orchestrator.did() + " user, orchestrator",
        who(plaintext, new BearerCredentials(orchestrator)));
    assertTrue(!host.context().mutualTls());
  }

  private Path writeFiles(CertificateAuthority ca, Identity identity, String folder)
      throws Exception {
    KeyPair key = TlsKeys.generate();
    var certificate =
        ca.issue(
            CertificateRequest.create(identity, key, "prod"),
            CertificateAuthority.LOOPBACK_NAMES,
            Duration.ofDays(1));
    Path files = Files.createDirectories(dir.resolve(folder));
    Files.writeString(files.resolve("tls.crt"), CertificateAuthority.certificatePem(certificate));
    Files.writeString(
        files.resolve("tls.key"), Pem.encode("PRIVATE KEY", key.getPrivate().getEncoded()));
    Files.writeString(
        files.resolve("ca.crt"), CertificateAuthority.certificatePem(ca.certificate()));
    return files;
  }

  private Identity identity(String name) {
    try {
      return Identity.loadOrCreate(dir.resolve(name).resolve(name + ".key"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private ServiceHost start(String name, Map<String, String> extra) {
    Map<String, String> settings = new HashMap<>();
    settings.put("data-dir", dir.resolve(name).toString());
    settings.put("identity.file", dir.resolve(name).resolve(name + ".key").toString());
    settings.put("tls.dev-ca", dir.resolve("tls").toString());
    settings.putAll(extra);
    ServiceHost host =
        ServiceHost.start(name, SCHEMA, new MapSettings(settings), MutualTlsTest::whoAmI);
    hosts.add(host);
    return host;
  }

  private ManagedChannel user(ServiceHost host) {
    return keep(TlsTestClients.user(host.grpcPort(), dir.resolve("tls")));
  }

  private ManagedChannel keep(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  private static ServingStatus health(Channel channel) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  private static String who(Channel channel, io.grpc.CallCredentials credentials) {
    return call(channel, WHO, credentials);
  }

  private static String call(
      Channel channel,
      MethodDescriptor<StringValue, StringValue> method,
      io.grpc.CallCredentials credentials) {
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
    if (credentials != null) {
      options = options.withCallCredentials(credentials);
    }
    return ClientCalls.blockingUnaryCall(channel, method, options, StringValue.of("")).getValue();
  }

  /** The ErrorInfo of a call that fails with {@code code}. */
  private static ErrorInfo refusal(Status.Code code, java.util.concurrent.Callable<?> call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::call);
    assertEquals(code, e.getStatus().getCode(), e.getMessage());
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertNotNull(details, "no status details");
    for (var any : details.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
          throw new AssertionError(bad);
        }
      }
    }
    throw new AssertionError("no ErrorInfo in " + details);
  }

  private static Status failure(java.util.concurrent.Callable<?> call) {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> {
              try {
                call.call();
              } catch (StatusRuntimeException s) {
                throw s;
              } catch (Exception other) {
                throw new AssertionError(other);
              }
            });
    return e.getStatus();
  }

  private static MeshService whoAmI(ServiceContext context) {
    ServerServiceDefinition definition =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(WHO, ServerCalls.asyncUnaryCall(MutualTlsTest::answerWho))
            .addMethod(FOR_ORCHESTRATORS, ServerCalls.asyncUnaryCall(MutualTlsTest::answerWho))
            .addMethod(
                ASK_PEER,
                ServerCalls.asyncUnaryCall(
                    (StringValue target, StreamObserver<StringValue> response) -> {
                      AtomicReference<String> server = new AtomicReference<>();
                      String answer =
                          ClientCalls.blockingUnaryCall(
                                  io.grpc.ClientInterceptors.intercept(
                                      context.channel(target.getValue()),
                                      PeerIdentity.captureServerDid(server)),
                                  WHO,
                                  CallOptions.DEFAULT
                                      .withCallCredentials(context.credentials())
                                      .withDeadlineAfter(10, TimeUnit.SECONDS),
                                  StringValue.of(""))
                              .getValue();
                      response.onNext(StringValue.of(answer + " server=" + server.get()));
                      response.onCompleted();
                    }))
            .build();
    // Served by a ledger, so that the service's own DID has a role a token could try to borrow.
    AccessTable table =
        AccessTable.forService(definition.getServiceDescriptor())
            .servedBy(Role.LEDGER)
            .allow("Who", Role.USER)
            .allow("AskPeer", Role.USER)
            .allow("ForOrchestrators", Role.ORCHESTRATOR)
            .build();
    return () -> List.of(table.guard(() -> definition));
  }

  private static void answerWho(StringValue request, StreamObserver<StringValue> response) {
    Caller caller = Caller.current();
    response.onNext(StringValue.of(caller.did() + " " + Caller.names(caller.roles())));
    response.onCompleted();
  }

  private static MethodDescriptor<StringValue, StringValue> method(String name) {
    return MethodDescriptor.<StringValue, StringValue>newBuilder()
        .setType(MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(TEXT)
        .setResponseMarshaller(TEXT)
        .build();
  }
}
