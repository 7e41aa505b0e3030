package io.meshwork.executor.membership;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshwork.identity.DidKey;
import io.meshwork.identity.Ed25519;
import io.meshwork.membership.v1.GetJoinChallengeRequest;
import io.meshwork.membership.v1.GetJoinChallengeResponse;
import io.meshwork.membership.v1.HeartbeatRequest;
import io.meshwork.membership.v1.HeartbeatResponse;
import io.meshwork.membership.v1.JoinRequest;
import io.meshwork.membership.v1.JoinResponse;
import io.meshwork.membership.v1.LeaveRequest;
import io.meshwork.membership.v1.LeaveResponse;
import io.meshwork.membership.v1.MemberState;
import io.meshwork.membership.v1.MembershipServiceGrpc;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.config.SettingsSchema;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.grpc.Rpc;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.CertificateRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The orchestrator's side of membership as the tests play it, served by a real {@code ServiceHost}
 * (so callers are authenticated as in the product): challenges, Joins whose signature it checks
 * with the identity module (building the signed bytes by hand, not with the executor's code),
 * certificates from the development CA in {@code tls.dev-ca}, heartbeats answered, and Leave. What
 * it saw goes to {@link #events} as lines such as "join did:key:z6Mk... token=t csr=true".
 */
final class TestOrchestrator extends MembershipServiceGrpc.MembershipServiceImplBase
    implements MeshService {
  static final SettingsSchema SCHEMA =
      SettingsSchema.of("orchestrator", SharedSettings.ALL, List.of(SharedSettings.AUTH_EXECUTORS));

  static final AccessTable TABLE =
      AccessTable.forService(MembershipServiceGrpc.getServiceDescriptor())
          .servedBy(Role.ORCHESTRATOR)
          .allow("GetJoinChallenge", Role.USER)
          .allow("Join", Role.USER)
          .allow("Heartbeat", Role.EXECUTOR)
          .allow("Leave", Role.EXECUTOR)
          .allow("ListMembers", Role.OPERATOR)
          .allow("CreateJoinToken", Role.OPERATOR)
          .allow("DrainMember", Role.OPERATOR)
          .build();

  private static final SecureRandom RANDOM = new SecureRandom();

  final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private final ServiceContext ctx;
  private final String token;
  private final Path caDir;
  private final Set<ByteString> challenges = ConcurrentHashMap.newKeySet();
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  private final List<ServerCallStreamObserver<HeartbeatResponse>> streams =
      new CopyOnWriteArrayList<>();
  volatile int heartbeatIntervalMs = 50;
  volatile boolean silent;
  volatile boolean askDrain;
  volatile String claimedDid;

  /**
   * The orchestrator of {@code ctx}, which admits new members with {@code token} and issues
   * certificates from the development CA in {@code caDir} (null: none).
   */
  TestOrchestrator(ServiceContext ctx, String token, Path caDir) {
    this.ctx = ctx;
    this.token = token;
    this.caDir = caDir;
  }

  /** The DID it says it is: its own, unless a test makes it claim another's. */
  String did() {
    String claimed = claimedDid;
    return claimed == null ? ctx.identity().did() : claimed;
  }

  @Override
  public List<GuardedService> grpcServices() {
    return List.of(TABLE.guard(this));
  }

  /** Ends every heartbeat stream with UNAVAILABLE, as a cut connection would. */
  void dropStreams() {
    for (ServerCallStreamObserver<HeartbeatResponse> s : streams) {
      synchronized (s) {
        try {
          s.onError(Status.UNAVAILABLE.withDescription("dropped by the test").asRuntimeException());
        } catch (RuntimeException ended) {
          // Ended already.
        }
      }
    }
    streams.clear();
  }

  @Override
  public void getJoinChallenge(
      GetJoinChallengeRequest request, StreamObserver<GetJoinChallengeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          byte[] challenge = new byte[32];
          RANDOM.nextBytes(challenge);
          challenges.add(ByteString.copyFrom(challenge));
          return GetJoinChallengeResponse.newBuilder()
              .setChallenge(ByteString.copyFrom(challenge))
              .setOrchestratorDid(did())
              .setExpiresAt(System.currentTimeMillis() + 60_000)
              .build();
        });
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          String did = request.getExecutorDid();
          if (!did.equals(Caller.current().did())) {
            throw MeshException.permissionDenied("NOT_THE_CALLER", "executor_did is not yours");
          }
          if (!challenges.remove(request.getChallenge())) {
            throw MeshException.failedPrecondition("CHALLENGE_SPENT", "unknown challenge");
          }
          byte[] signed =
              bytes(
                  "meshwork-join-v1",
                  did(),
                  did,
                  request.getEndpoint(),
                  request.getChallenge().toByteArray());
          if (!Ed25519.verify(
              DidKey.publicKey(did), signed, request.getSignature().toByteArray())) {
            throw MeshException.invalidArgument("BAD_SIGNATURE", "the signature does not verify");
          }
          boolean known = members.contains(did);
          if (!known && !token.equals(request.getJoinToken())) {
            throw MeshException.permissionDenied("JOIN_TOKEN_INVALID", "the join token is wrong");
          }
          JoinResponse.Builder response =
              JoinResponse.newBuilder()
                  .setOrchestratorDid(did())
                  .setState(MemberState.MEMBER_STATE_JOINING)
                  .setHeartbeatIntervalMs(heartbeatIntervalMs)
                  .setLostAfterMs(5_000)
                  .setRejoined(known);
          if (!request.getCertificateRequest().isEmpty()) {
            CertificateAuthority ca = ca();
            response
                .setCertificate(
                    CertificateAuthority.certificatePem(
                        ca.issue(
                            CertificateRequest.fromPem(request.getCertificateRequest()),
                            CertificateAuthority.LOOPBACK_NAMES,
                            Duration.ofDays(1))))
                .setCaCertificate(CertificateAuthority.certificatePem(ca.certificate()));
          }
          members.add(did);
          ctx.roles().grant(Role.EXECUTOR, did);
          events.add(
              "join "
                  + did
                  + " endpoint="
                  + request.getEndpoint()
                  + " token="
                  + request.getJoinToken()
                  + " csr="
                  + !request.getCertificateRequest().isEmpty());
          return response.build();
        });
  }

  private CertificateAuthority ca() {
    try {
      return CertificateAuthority.load(caDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String context, String a, String b, String c, byte[] challenge) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String s : new String[] {context, a, b, c}) {
      out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    out.writeBytes(challenge);
    return out.toByteArray();
  }

  @Override
  public StreamObserver<HeartbeatRequest> heartbeat(StreamObserver<HeartbeatResponse> observer) {
    String did = Caller.current().did();
    ServerCallStreamObserver<HeartbeatResponse> out =
        (ServerCallStreamObserver<HeartbeatResponse>) observer;
    streams.add(out);
    return new StreamObserver<>() {
      @Override
      public void onNext(HeartbeatRequest beat) {
        events.add(
            "heartbeat "
                + beat.getSequence()
                + " draining="
                + beat.getDraining()
                + " slots="
                + beat.getCapacity().getTaskSlots());
        if (silent) {
          return;
        }
        synchronized (out) {
          if (!out.isCancelled()) {
            out.onNext(
                HeartbeatResponse.newBuilder()
                    .setSequence(beat.getSequence())
                    .setState(
                        beat.getDraining()
                            ? MemberState.MEMBER_STATE_DRAINING
                            : MemberState.MEMBER_STATE_LIVE)
                    .setDrain(askDrain)
                    .build());
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        streams.remove(out);
      }

      @Override
      public void onCompleted() {
        events.add("heartbeats ended by " + did);
        streams.remove(out);
        synchronized (out) {
          try {
            out.onCompleted();
          } catch (RuntimeException ended) {
            // Dropped already.
          }
        }
      }
    };
  }

  @Override
  public void leave(LeaveRequest request, StreamObserver<LeaveResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          events.add("leave " + Caller.current().did() + " " + request.getReason());
          return LeaveResponse.getDefaultInstance();
        });
  }
}
