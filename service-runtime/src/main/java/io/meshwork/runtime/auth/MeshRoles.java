package io.meshwork.runtime.auth;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which DIDs the operator configured as the mesh's services and as operators.
 *
 * <p>Service DIDs may be added at run time, when an executor joins an orchestrator with a
 * credential the operator issued, so the set is concurrent.
 */
public final class MeshRoles {
  private final Set<String> services = ConcurrentHashMap.newKeySet();
  private final Set<String> operators = ConcurrentHashMap.newKeySet();

  /** Creates roles from configured service and operator DIDs. */
  public MeshRoles(Collection<String> serviceDids, Collection<String> operatorDids) {
    services.addAll(serviceDids);
    operators.addAll(operatorDids);
  }

  /** Whether {@code did} is one of the mesh's services. */
  public boolean isService(String did) {
    return services.contains(did);
  }

  /** Whether {@code did} is an operator. */
  public boolean isOperator(String did) {
    return operators.contains(did);
  }

  /** Adds a service identity. */
  public void addService(String did) {
    services.add(did);
  }

  /** The caller record for {@code did}. */
  public Caller callerFor(String did) {
    return new Caller(did, isService(did), isOperator(did));
  }
}
