package io.meshwork.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.StringValue;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.BearerTokens;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsSchema;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one interceptor that guards every service, over the production wiring ({@link ServiceHost},
 * in-process): a method without a row is refused to everyone, a public one needs no token, and the
 * others need a token addressed to the service and one of the row's roles.
 */
class AuthInterceptorTest {
  private static final String SERVICE = "meshwork.test.Guarded";
  private static final MethodDescriptor<StringValue, StringValue> OPEN = method("Open");
  private static final MethodDescriptor<StringValue, StringValue> FOR_ANYONE = method("ForAnyone");
  private static final MethodDescriptor<StringValue, StringValue> FOR_OPERATORS =
      method("ForOperators");
  private static final MethodDescriptor<StringValue, StringValue> FOR_ITSELF = method("ForItself");
  private static final MethodDescriptor<StringValue, StringValue> UNLISTED = method("Unlisted");

  @TempDir Path dataDir;

  private final Identity operator = Identity.generate();
  private final Identity stranger = Identity.generate();
  private final AtomicInteger handled = new AtomicInteger();
  private ServiceHost host;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    ServerServiceDefinition definition = definition();
    AccessTable table =
        AccessTable.forService(definition.getServiceDescriptor())
            .servedBy(Role.LEDGER)
            .allowPublic("Open")
            .allow("ForAnyone", Role.USER)
            .allow("ForOperators", Role.OPERATOR)
            .allow("ForItself", Role.LEDGER)
            .build();
    MeshService service = () -> List.of(table.guard(() -> definition));
    String name = InProcessServerBuilder.generateName();
    host =
        ServiceHost.start(
            "guarded",
            SettingsSchema.of(
                "guarded", SharedSettings.ALL, List.of(SharedSettings.AUTH_OPERATORS)),
            new MapSettings(
                Map.of(
                    "data-dir",
                    dataDir.toString(),
                    "auth.operators",
                    operator.did(),
                    "auth.replay.user-capacity",
                    "1600",
                    "auth.replay.user-quota",
                    "3")),
            context -> service,
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    host.close();
  }

  @Test
  void aMethodWithoutARowIsRefusedToEveryone() {
    for (Identity who : List.of(operator, stranger, host.context().identity())) {
      ErrorInfo info = refused(Status.Code.PERMISSION_DENIED, () -> call(UNLISTED, who));
      assertEquals("ROLE_REQUIRED", info.getReason());
      assertEquals("", info.getMetadataOrThrow("allowed_roles"));
      assertEquals(SERVICE + "/Unlisted", info.getMetadataOrThrow("method"));
    }
    refused(Status.Code.PERMISSION_DENIED, () -> call(UNLISTED, null));
    assertEquals(0, handled.get(), "the handler never ran");
  }

  @Test
  void aPublicMethodNeedsNoToken() {
    assertEquals("anyone", call(OPEN, null).getValue());
    assertEquals("anyone", call(OPEN, stranger).getValue());
  }

  @Test
  void aCallerWithoutTheRoleIsToldWhichRoleItNeedsAndWhichItHas() {
    ErrorInfo info = refused(Status.Code.PERMISSION_DENIED, () -> call(FOR_OPERATORS, stranger));
    assertEquals("ROLE_REQUIRED", info.getReason());
    assertEquals("operator", info.getMetadataOrThrow("allowed_roles"));
    assertEquals("user", info.getMetadataOrThrow("caller_roles"));
    assertEquals(stranger.did(), info.getMetadataOrThrow("caller"));

    assertEquals(operator.did() + " user, operator", call(FOR_OPERATORS, operator).getValue());
    assertEquals(stranger.did() + " user", call(FOR_ANYONE, stranger).getValue());
  }

  @Test
  void theServiceItselfIsInTheRoleOfWhatItServes() {
    Identity self = host.context().identity();
    assertEquals(self.did() + " user, ledger", call(FOR_ITSELF, self).getValue());
    ErrorInfo info = refused(Status.Code.PERMISSION_DENIED, () -> call(FOR_ITSELF, operator));
    assertEquals("ledger", info.getMetadataOrThrow("allowed_roles"));
  }

  @Test
  void aCallWithoutATokenOrWithOneForAnotherServiceIsUnauthenticated() {
    assertEquals(
        "missing",
        refused(Status.Code.UNAUTHENTICATED, () -> call(FOR_ANYONE, null))
            .getMetadataOrThrow("check"));

    String forTheLedger =
        BearerTokens.mint(
            stranger, "meshwork.ledger.v1.LedgerService", Instant.now(), Duration.ofSeconds(60));
    Metadata headers = new Metadata();
    headers.put(BearerCredentials.AUTHORIZATION, "Bearer " + forTheLedger);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    FOR_ANYONE,
                    CallOptions.DEFAULT
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .withCallCredentials(
                            new io.grpc.CallCredentials() {
                              @Override
                              public void applyRequestMetadata(
                                  RequestInfo info,
                                  java.util.concurrent.Executor executor,
                                  MetadataApplier applier) {
                                applier.apply(headers);
                              }
                            }),
                    StringValue.of("")));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertEquals("audience", errorInfo(e).getMetadataOrThrow("check"));
    assertEquals(0, handled.get());
  }

  @Test
  void aCallerOverItsQuotaOfLiveTokensWaitsWhileOthersGoOn() {
    for (int i = 0; i < 3; i++) {
      call(FOR_ANYONE, stranger);
    }
    ErrorInfo info = refused(Status.Code.RESOURCE_EXHAUSTED, () -> call(FOR_ANYONE, stranger));
    assertEquals("REPLAY_QUOTA", info.getReason());
    assertEquals("replay-quota", info.getMetadataOrThrow("check"));
    // Another user, and a caller in a configured role with its own memory, go on.
    Identity other = Identity.generate();
    assertEquals(other.did() + " user", call(FOR_ANYONE, other).getValue());
    for (int i = 0; i < 5; i++) {
      call(FOR_OPERATORS, operator);
    }
  }

  private StringValue call(MethodDescriptor<StringValue, StringValue> method, Identity caller) {
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
    if (caller != null) {
      options = options.withCallCredentials(new BearerCredentials(caller));
    }
    return ClientCalls.blockingUnaryCall(channel, method, options, StringValue.of(""));
  }

  private static ErrorInfo refused(Status.Code code, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return errorInfo(e);
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertNotNull(status, "the status carries no details");
    try {
      return status.getDetails(0).unpack(ErrorInfo.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException x) {
      throw new AssertionError(x);
    }
  }

  private ServerServiceDefinition definition() {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(SERVICE);
    b.addMethod(
        OPEN,
        ServerCalls.asyncUnaryCall(
            (request, observer) -> {
              observer.onNext(StringValue.of("anyone"));
              observer.onCompleted();
            }));
    for (MethodDescriptor<StringValue, StringValue> m :
        List.of(FOR_ANYONE, FOR_OPERATORS, FOR_ITSELF, UNLISTED)) {
      b.addMethod(
          m,
          ServerCalls.asyncUnaryCall(
              (request, observer) -> {
                handled.incrementAndGet();
                Caller caller = Caller.current();
                observer.onNext(StringValue.of(caller.did() + " " + Caller.names(caller.roles())));
                observer.onCompleted();
              }));
    }
    return b.build();
  }

  private static MethodDescriptor<StringValue, StringValue> method(String name) {
    return MethodDescriptor.<StringValue, StringValue>newBuilder()
        .setType(MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
        .build();
  }
}
