package io.meshwork.orchestrator.membership;

import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.runtime.errors.MeshException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The executor endpoints discovery offers, each called back until it proves a DID, which then goes
 * to the registry's admission; an endpoint withdrawn takes its discovered member with it.
 *
 * <p>Every offer, withdrawal and call back runs on the registry's one timer thread, so that an
 * endpoint withdrawn while it is being called back cannot be admitted after its withdrawal.
 */
final class DiscoveredEndpoints {
  private static final Logger LOG = Logger.getLogger(DiscoveredEndpoints.class.getName());
  private static final Duration CALL_BACK_DEADLINE = Duration.ofSeconds(2);

  private final Membership membership;
  private final MemberPorts.Handles handles;
  private final ScheduledExecutorService timer;
  private final long firstRetryMillis;
  private final long lastRetryMillis;
  // Read and written on the timer thread only.
  private final Map<String, Offer> offers = new HashMap<>();

  /** One endpoint on offer, and the DID it proved once it answered. */
  private static final class Offer {
    final String endpoint;
    final ExecutorHandle handle;
    String did;
    long retryMillis;

    Offer(String endpoint, ExecutorHandle handle, long retryMillis) {
      this.endpoint = endpoint;
      this.handle = handle;
      this.retryMillis = retryMillis;
    }
  }

  /**
   * @param firstRetry how long after a call back that found nobody it is tried again; the wait
   *     doubles each time, up to {@code lastRetry}
   */
  DiscoveredEndpoints(
      Membership membership,
      MemberPorts.Handles handles,
      ScheduledExecutorService timer,
      Duration firstRetry,
      Duration lastRetry) {
    this.membership = membership;
    this.handles = handles;
    this.timer = timer;
    this.firstRetryMillis = firstRetry.toMillis();
    this.lastRetryMillis = Math.max(firstRetry.toMillis(), lastRetry.toMillis());
  }

  /** Offers {@code endpoint}; one already on offer is left alone. */
  void offer(String endpoint) {
    try {
      Endpoints.host(endpoint);
    } catch (MeshException e) {
      LOG.warning("discovery offered " + endpoint + ", which is no endpoint: " + e.getMessage());
      return;
    }
    timer.execute(
        () -> {
          if (!offers.containsKey(endpoint)) {
            Offer o = new Offer(endpoint, handles.open(endpoint), firstRetryMillis);
            offers.put(endpoint, o);
            callBack(o);
          }
        });
  }

  /** Withdraws {@code endpoint}: the member it proved to be leaves, if discovery admitted it. */
  void withdraw(String endpoint) {
    timer.execute(
        () -> {
          Offer o = offers.remove(endpoint);
          if (o != null && o.did != null) {
            membership.vanishedDiscovered(o.did, endpoint);
          }
        });
  }

  private void callBack(Offer o) {
    if (offers.get(o.endpoint) != o) {
      return;
    }
    String proved;
    try {
      proved = o.handle.identify(CALL_BACK_DEADLINE);
    } catch (RemoteCallFailed e) {
      // Ready in Kubernetes' eyes is not always listening yet (or the TLS certificate is still
      // being issued): try again, less often the longer it stays silent.
      long wait = o.retryMillis;
      o.retryMillis = Math.min(lastRetryMillis, wait * 2);
      timer.schedule(() -> callBack(o), wait, TimeUnit.MILLISECONDS);
      return;
    }
    o.did = proved;
    // Refused or not, the endpoint stays on offer: its DID may be admitted later by a join of its
    // own, and offering it again would only call it again.
    membership.admitDiscovered(proved, o.endpoint, o.handle);
  }
}
