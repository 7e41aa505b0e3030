package io.meshwork.executor.membership;

import com.google.protobuf.ByteString;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.meshwork.identity.Identity;
import io.meshwork.identity.JoinSignature;
import io.meshwork.membership.v1.GetJoinChallengeRequest;
import io.meshwork.membership.v1.GetJoinChallengeResponse;
import io.meshwork.membership.v1.JoinRequest;
import io.meshwork.membership.v1.JoinResponse;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.membership.v1.MembershipServiceGrpc;
import io.meshwork.membership.v1.MembershipServiceGrpc.MembershipServiceBlockingStub;
import io.meshwork.runtime.tls.CertificateRequest;
import io.meshwork.runtime.tls.PeerIdentity;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Joins this executor to an orchestrator: one round of the membership handshake
 * (docs/MEMBERSHIP.md), a fresh challenge, then a Join signed by the executor's identity key, and a
 * check that the orchestrator that answered is the one its TLS certificate names.
 *
 * <p>Used twice over: before the executor serves, to be admitted and issued a certificate (over
 * server-authenticated TLS, the executor known by a bearer token), and by the {@link
 * MembershipLink} to rejoin after its heartbeats were cut (over mutual TLS, with neither token nor
 * certificate request, since the orchestrator knows the DID already).
 */
public final class Joiner {
  private static final long DEADLINE_SECONDS = 10;

  private final Identity identity;
  private final String endpoint;
  private final String engineVersion;
  private final boolean overTls;

  /**
   * Joins as {@code identity}, to be called back at {@code endpoint}.
   *
   * @param engineVersion the engine, for example "chicory 1.5.1", as the members list shows it
   * @param overTls whether the channels given to {@link #join} speak TLS, so that the
   *     orchestrator's DID must be the one its certificate proves; only in-process tests pass false
   */
  public Joiner(Identity identity, String endpoint, String engineVersion, boolean overTls) {
    this.identity = identity;
    this.endpoint = endpoint;
    this.engineVersion = engineVersion;
    this.overTls = overTls;
  }

  /**
   * The outcome of a join.
   *
   * @param orchestratorDid the orchestrator's DID, as it answered and (over TLS) as its certificate
   *     proved
   * @param response the orchestrator's answer: state, certificate, heartbeat interval
   */
  public record Joined(String orchestratorDid, JoinResponse response) {}

  /** The orchestrator refused the join, could not be reached, or is not who it says. */
  public static final class JoinFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JoinFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Joins over {@code channel}.
   *
   * @param credentials name this executor on the calls (a bearer token before it has a certificate)
   * @param token the join token, when admission asks for one
   * @param request the certificate request, when the executor has no certificate yet
   * @throws JoinFailedException naming the status and message of a refusal, or the DID mismatch
   */
  public Joined join(
      Channel channel,
      CallCredentials credentials,
      Optional<String> token,
      Optional<CertificateRequest> request,
      MemberCapacity capacity) {
    AtomicReference<String> proved = new AtomicReference<>();
    MembershipServiceBlockingStub stub =
        MembershipServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(credentials)
            .withInterceptors(PeerIdentity.captureServerDid(proved));
    try {
      GetJoinChallengeResponse challenge =
          stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
              .getJoinChallenge(GetJoinChallengeRequest.getDefaultInstance());
      String orchestrator = challenge.getOrchestratorDid();
      checkProved(orchestrator, proved.get());
      byte[] message =
          JoinSignature.bytes(
              orchestrator, identity.did(), endpoint, challenge.getChallenge().toByteArray());
      JoinRequest.Builder join =
          JoinRequest.newBuilder()
              .setExecutorDid(identity.did())
              .setChallenge(challenge.getChallenge())
              .setEndpoint(endpoint)
              .setCapacity(capacity)
              .setEngineVersion(engineVersion)
              .setSignature(ByteString.copyFrom(identity.sign(message)));
      token.ifPresent(join::setJoinToken);
      request.ifPresent(r -> join.setCertificateRequest(r.toPem()));
      JoinResponse response =
          stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).join(join.build());
      if (!orchestrator.equals(response.getOrchestratorDid())) {
        throw new JoinFailedException(
            "the orchestrator answered the join as "
                + response.getOrchestratorDid()
                + " but challenged as "
                + orchestrator,
            null);
      }
      checkProved(orchestrator, proved.get());
      return new Joined(orchestrator, response);
    } catch (StatusRuntimeException e) {
      throw new JoinFailedException(
          e.getStatus().getCode()
              + (e.getStatus().getDescription() == null
                  ? ""
                  : ": " + e.getStatus().getDescription()),
          e);
    }
  }

  private void checkProved(String claimed, String proved) {
    if (overTls && !Objects.equals(claimed, proved)) {
      throw new JoinFailedException(
          "the orchestrator says it is "
              + claimed
              + ", but its TLS certificate names "
              + (proved == null ? "no did:key" : proved),
          null);
    }
  }
}
