package io.meshwork.orchestrator.grpc;

import io.grpc.stub.StreamObserver;
import io.meshwork.membership.v1.CreateJoinTokenRequest;
import io.meshwork.membership.v1.CreateJoinTokenResponse;
import io.meshwork.membership.v1.DrainMemberRequest;
import io.meshwork.membership.v1.DrainMemberResponse;
import io.meshwork.membership.v1.GetJoinChallengeRequest;
import io.meshwork.membership.v1.GetJoinChallengeResponse;
import io.meshwork.membership.v1.HeartbeatRequest;
import io.meshwork.membership.v1.HeartbeatResponse;
import io.meshwork.membership.v1.JoinRequest;
import io.meshwork.membership.v1.JoinResponse;
import io.meshwork.membership.v1.LeaveRequest;
import io.meshwork.membership.v1.LeaveResponse;
import io.meshwork.membership.v1.ListMembersRequest;
import io.meshwork.membership.v1.ListMembersResponse;
import io.meshwork.membership.v1.MembershipServiceGrpc;
import io.meshwork.orchestrator.membership.HeartbeatAnswer;
import io.meshwork.orchestrator.membership.JoinChallenges;
import io.meshwork.orchestrator.membership.JoinTokens;
import io.meshwork.orchestrator.membership.MemberView;
import io.meshwork.orchestrator.membership.Membership;
import io.meshwork.orchestrator.membership.MembershipOptions;
import io.meshwork.orchestrator.wire.MembershipMessages;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.grpc.Rpc;
import java.time.Duration;

/**
 * MembershipService over gRPC: the join handshake, the heartbeat stream, leaving, and the
 * operator's calls. Which roles may call each RPC is {@link MembershipAccess#TABLE}.
 */
public final class MembershipGrpcService extends MembershipServiceGrpc.MembershipServiceImplBase {
  private static final int MAX_TOKEN_USES = 10_000;

  private final Membership membership;
  private final JoinTokens tokens;
  private final MembershipOptions options;

  /** Serves {@code membership}, with join tokens from {@code tokens}. */
  public MembershipGrpcService(
      Membership membership, JoinTokens tokens, MembershipOptions options) {
    this.membership = membership;
    this.tokens = tokens;
    this.options = options;
  }

  @Override
  public void getJoinChallenge(
      GetJoinChallengeRequest request, StreamObserver<GetJoinChallengeResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          JoinChallenges.Challenge c = membership.challenge();
          return GetJoinChallengeResponse.newBuilder()
              .setChallenge(MembershipMessages.bytes(c.bytes()))
              .setOrchestratorDid(membership.selfDid())
              .setExpiresAt(c.expiresAt())
              .build();
        });
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinResponse> observer) {
    Rpc.unary(
        observer,
        () ->
            MembershipMessages.joined(
                membership.join(MembershipMessages.claim(request, Caller.current().did())),
                membership.selfDid()));
  }

  @Override
  public StreamObserver<HeartbeatRequest> heartbeat(StreamObserver<HeartbeatResponse> responses) {
    // Read once: the stream's callbacks may run outside the call's context.
    String did = Caller.current().did();
    // A member needs an answer only to know it is heard (its link gives up after the lost
    // timeout without one), to learn a new state, or to be asked to drain: answering every beat
    // would double what heartbeats cost the orchestrator for nothing.
    // Half the lost timeout: the member's link waits that whole timeout for an answer, so one
    // lost answer still leaves it time to hear the next.
    long answerEvery = options.lostAfter().toNanos() / 2;
    return new StreamObserver<>() {
      private boolean ended;
      private long answeredAt = System.nanoTime() - answerEvery;
      private HeartbeatAnswer last;

      @Override
      public void onNext(HeartbeatRequest beat) {
        synchronized (this) {
          if (ended) {
            return;
          }
          try {
            HeartbeatAnswer a =
                membership.heartbeat(
                    did, MembershipMessages.load(beat.getCapacity()), beat.getDraining());
            long now = System.nanoTime();
            if (a.equals(last) && now - answeredAt < answerEvery) {
              return;
            }
            last = a;
            answeredAt = now;
            responses.onNext(
                HeartbeatResponse.newBuilder()
                    .setState(MembershipMessages.state(a.state()))
                    .setDrain(a.drain())
                    .setSequence(beat.getSequence())
                    .build());
          } catch (RuntimeException e) {
            ended = true;
            Rpc.fail(responses, e);
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        // The member's side went away; its silence is what the sweep watches.
      }

      @Override
      public synchronized void onCompleted() {
        if (!ended) {
          ended = true;
          responses.onCompleted();
        }
      }
    };
  }

  @Override
  public void leave(LeaveRequest request, StreamObserver<LeaveResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          membership.leave(Caller.current().did(), request.getReason());
          return LeaveResponse.getDefaultInstance();
        });
  }

  @Override
  public void listMembers(
      ListMembersRequest request, StreamObserver<ListMembersResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          ListMembersResponse.Builder out = ListMembersResponse.newBuilder();
          for (MemberView m : membership.list(request.getIncludeLeft())) {
            out.addMembers(MembershipMessages.member(m));
          }
          return out.build();
        });
  }

  @Override
  public void createJoinToken(
      CreateJoinTokenRequest request, StreamObserver<CreateJoinTokenResponse> observer) {
    Rpc.unary(
        observer,
        () -> {
          Duration validFor =
              request.getValidForSeconds() == 0
                  ? options.tokenValidity()
                  : Duration.ofSeconds(request.getValidForSeconds());
          if (validFor.compareTo(options.maxTokenValidity()) > 0) {
            throw MeshException.invalidArgument(
                    "VALIDITY_TOO_LONG",
                    "valid_for_seconds is "
                        + request.getValidForSeconds()
                        + "; a join token may be valid for "
                        + options.maxTokenValidity().toSeconds()
                        + " s at most")
                .with("field", "valid_for_seconds");
          }
          int uses = request.getUses() == 0 ? 1 : request.getUses();
          if (uses < 0 || uses > MAX_TOKEN_USES) {
            throw MeshException.invalidArgument(
                    "USES_OUT_OF_RANGE",
                    "uses is "
                        + Integer.toUnsignedString(request.getUses())
                        + "; 1 to "
                        + MAX_TOKEN_USES)
                .with("field", "uses");
          }
          if (request.getDescription().length() > 200) {
            throw MeshException.invalidArgument(
                    "DESCRIPTION_TOO_LONG", "description is longer than 200 characters")
                .with("field", "description");
          }
          JoinTokens.Created t =
              tokens.create(validFor, uses, request.getDescription(), Caller.current().did());
          return CreateJoinTokenResponse.newBuilder()
              .setToken(t.token())
              .setTokenId(t.record().id())
              .setExpiresAt(t.record().expiresAt())
              .setUses(uses)
              .build();
        });
  }

  @Override
  public void drainMember(
      DrainMemberRequest request, StreamObserver<DrainMemberResponse> observer) {
    Rpc.unary(
        observer,
        () ->
            DrainMemberResponse.newBuilder()
                .setState(MembershipMessages.state(membership.drain(request.getExecutorDid())))
                .build());
  }
}
