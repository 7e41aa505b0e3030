package io.meshwork.client;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.meshwork.identity.Identity;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.membership.v1.CreateJoinTokenRequest;
import io.meshwork.membership.v1.CreateJoinTokenResponse;
import io.meshwork.membership.v1.DrainMemberRequest;
import io.meshwork.membership.v1.DrainMemberResponse;
import io.meshwork.membership.v1.ListMembersRequest;
import io.meshwork.membership.v1.ListMembersResponse;
import io.meshwork.membership.v1.Member;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.membership.v1.MemberState;
import io.meshwork.membership.v1.MembershipServiceGrpc;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.AuthInterceptor;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.auth.Role;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An in-process orchestrator's {@code MembershipService} for the SDK's and CLI's tests: the
 * operator RPCs answer from the members a test puts in it, behind the mesh's real {@link
 * AuthInterceptor}, so a caller must send a token addressed to the membership service and be the
 * operator to get past it, as at a real orchestrator.
 */
public final class FakeMembership implements AutoCloseable {
  /** The join token's secret the fake hands out. */
  public static final String TOKEN = "mwjt_4f1c0e9a7b2d";

  /** The time the fake's join tokens count their validity from, unless a test sets {@link #now}. */
  public static final long NOW = 1_795_251_859_000L;

  /** The epoch milliseconds the fake's join tokens count their validity from. */
  public volatile long now = NOW;

  /** The only identity allowed to call the operator RPCs. */
  public final Identity operator;

  /** The members ListMembers lists (those in the LEFT state only when asked for them). */
  public final List<Member> members = new CopyOnWriteArrayList<>();

  /** Every ListMembers request, in order. */
  public final List<ListMembersRequest> listRequests = new CopyOnWriteArrayList<>();

  /** Every CreateJoinToken request, in order. */
  public final List<CreateJoinTokenRequest> tokenRequests = new CopyOnWriteArrayList<>();

  /** Every DrainMember request, in order. */
  public final List<DrainMemberRequest> drainRequests = new CopyOnWriteArrayList<>();

  /** The DID of the caller of every call that got past the interceptor, in order. */
  public final List<String> callers = new CopyOnWriteArrayList<>();

  private final Server server;
  private final ManagedChannel channel;

  /** Serves the fake with {@code operator} as the mesh's only operator. */
  public FakeMembership(Identity operator) throws IOException {
    this.operator = operator;
    AccessTable access =
        AccessTable.forService(MembershipServiceGrpc.getServiceDescriptor())
            .servedBy(Role.ORCHESTRATOR)
            .allow("ListMembers", Role.OPERATOR)
            .allow("CreateJoinToken", Role.OPERATOR)
            .allow("DrainMember", Role.OPERATOR)
            .build();
    AuthInterceptor auth =
        new AuthInterceptor(
            new TokenVerifier(Clock.systemUTC()),
            new MeshRoles(Map.of(Role.OPERATOR, List.of(operator.did()))),
            access);
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(ServerInterceptors.intercept(new Service(), auth))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /**
   * A client whose orchestrator is the fake (its ledger channel goes there too, unused), with the
   * options' identity and deadline.
   */
  public MeshClient client(MeshClientOptions options) {
    return MeshClient.over(channel, channel, options);
  }

  /** A member with every field set, heartbeating at {@code lastHeartbeatAt}. */
  public static Member member(
      String did, String endpoint, MemberState state, float load, long lastHeartbeatAt) {
    return Member.newBuilder()
        .setExecutorDid(did)
        .setEndpoint(endpoint)
        .setState(state)
        .setCapacity(
            MemberCapacity.newBuilder()
                .setCpuCores(8)
                .setRamMb(16_384)
                .setTaskSlots(4)
                .setRunningTasks(1)
                .setQueuedTasks(1))
        .setLoad(load)
        .setReputation(0.93)
        .setLastHeartbeatAt(lastHeartbeatAt)
        .setJoinedAt(1_795_250_000_000L)
        .setEngineVersion("chicory 1.5.1")
        .setSource("join")
        .build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Service extends MembershipServiceGrpc.MembershipServiceImplBase {
    @Override
    public void listMembers(
        ListMembersRequest request, StreamObserver<ListMembersResponse> response) {
      callers.add(Caller.current().did());
      listRequests.add(request);
      response.onNext(
          ListMembersResponse.newBuilder()
              .addAllMembers(
                  members.stream()
                      .filter(
                          m ->
                              request.getIncludeLeft()
                                  || m.getState() != MemberState.MEMBER_STATE_LEFT)
                      .toList())
              .build());
      response.onCompleted();
    }

    @Override
    public void createJoinToken(
        CreateJoinTokenRequest request, StreamObserver<CreateJoinTokenResponse> response) {
      callers.add(Caller.current().did());
      tokenRequests.add(request);
      long validFor = request.getValidForSeconds() == 0 ? 3_600 : request.getValidForSeconds();
      response.onNext(
          CreateJoinTokenResponse.newBuilder()
              .setToken(TOKEN)
              .setTokenId("jt_7f3a")
              .setExpiresAt(now + validFor * 1000)
              .setUses(Math.max(1, request.getUses()))
              .build());
      response.onCompleted();
    }

    @Override
    public void drainMember(
        DrainMemberRequest request, StreamObserver<DrainMemberResponse> response) {
      callers.add(Caller.current().did());
      drainRequests.add(request);
      boolean known =
          members.stream().anyMatch(m -> m.getExecutorDid().equals(request.getExecutorDid()));
      if (!known) {
        response.onError(
            StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder()
                    .setCode(Code.NOT_FOUND.getNumber())
                    .setMessage("no member " + request.getExecutorDid())
                    .addDetails(
                        Any.pack(
                            ErrorInfo.newBuilder()
                                .setReason("MEMBER_NOT_FOUND")
                                .setDomain("orchestrator.meshwork.io")
                                .putMetadata("executor_did", request.getExecutorDid())
                                .build()))
                    .build()));
        return;
      }
      response.onNext(
          DrainMemberResponse.newBuilder().setState(MemberState.MEMBER_STATE_DRAINING).build());
      response.onCompleted();
    }
  }
}
