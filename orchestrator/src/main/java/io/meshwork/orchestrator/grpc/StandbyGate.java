package io.meshwork.orchestrator.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.meshwork.orchestrator.leadership.Leadership;
import io.meshwork.runtime.auth.GuardedService;

/**
 * Refuses every call to a service of a replica that does not lead, before its handler runs. The
 * error-mapping interceptor around it turns the refusal into {@code UNAVAILABLE} with its reason.
 */
public final class StandbyGate implements ServerInterceptor {
  private final Leadership leadership;

  private StandbyGate(Leadership leadership) {
    this.leadership = leadership;
  }

  /** {@code service}, answered only while {@code leadership} says this replica leads. */
  public static GuardedService guard(GuardedService service, Leadership leadership) {
    StandbyGate gate = new StandbyGate(leadership);
    return new GuardedService(
        () -> ServerInterceptors.intercept(service.service().bindService(), gate),
        service.access());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    leadership.requireLeading();
    return next.startCall(call, headers);
  }
}
