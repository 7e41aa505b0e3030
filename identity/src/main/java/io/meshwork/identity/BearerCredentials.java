package io.meshwork.identity;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Signs each outgoing call with a fresh single-use bearer token for the given identity, addressed
 * to the gRPC service the call goes to.
 *
 * <p>A token per call (rather than one cached token) is what AUTH.md asks for: its {@code jti} may
 * be seen only once, so servers can refuse a replayed token. Its audience is the full name of the
 * service called ({@code meshwork.ledger.v1.LedgerService}), taken from the call itself, so a
 * service that receives a token cannot spend it at another.
 */
public final class BearerCredentials extends CallCredentials {
  /** The header that carries the token. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final Duration LIFETIME = Duration.ofSeconds(120);

  private final Identity identity;
  private final Clock clock;

  /** Credentials that sign as {@code identity}. */
  public BearerCredentials(Identity identity) {
    this(identity, Clock.systemUTC());
  }

  /** Credentials that sign as {@code identity} with the time of {@code clock}. */
  public BearerCredentials(Identity identity, Clock clock) {
    this.identity = identity;
    this.clock = clock;
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    String audience = info.getMethodDescriptor().getServiceName();
    if (audience == null) {
      applier.fail(
          Status.UNAUTHENTICATED.withDescription(
              "cannot address a token: the method "
                  + info.getMethodDescriptor().getFullMethodName()
                  + " names no service"));
      return;
    }
    try {
      Metadata headers = new Metadata();
      String token = BearerTokens.mint(identity, audience, clock.instant(), LIFETIME);
      headers.put(AUTHORIZATION, "Bearer " + token);
      applier.apply(headers);
    } catch (RuntimeException e) {
      applier.fail(Status.UNAUTHENTICATED.withDescription("cannot sign the call").withCause(e));
    }
  }
}
