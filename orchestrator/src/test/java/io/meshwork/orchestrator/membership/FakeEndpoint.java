package io.meshwork.orchestrator.membership;

import io.meshwork.orchestrator.tasks.AnnounceAnswer;
import io.meshwork.orchestrator.tasks.Announcement;
import io.meshwork.orchestrator.tasks.AssignAnswer;
import io.meshwork.orchestrator.tasks.Assignment;
import io.meshwork.orchestrator.tasks.ExecutorCapacity;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import java.time.Duration;
import java.util.Map;

/**
 * A member's endpoint for membership's tests: the call back finds whichever DID {@code listening}
 * says listens there, or nobody. Membership calls nothing else on it.
 */
final class FakeEndpoint implements ExecutorHandle {
  private final String endpoint;
  private final Map<String, String> listening;

  FakeEndpoint(String endpoint, Map<String, String> listening) {
    this.endpoint = endpoint;
    this.listening = listening;
  }

  @Override
  public String endpoint() {
    return endpoint;
  }

  @Override
  public String identify(Duration wait) {
    String did = listening.get(endpoint);
    if (did == null) {
      throw new RemoteCallFailed("connection refused", "UNAVAILABLE", true);
    }
    return did;
  }

  @Override
  public AnnounceAnswer announce(Announcement announcement, Duration wait) {
    throw new UnsupportedOperationException();
  }

  @Override
  public AssignAnswer assign(Assignment assignment, Duration wait) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void cancel(String assignmentId) {}

  @Override
  public boolean withdraw(String assignmentId) {
    return false;
  }

  @Override
  public byte[] reveal(String assignmentId, Duration wait) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ExecutorCapacity capacity(Duration wait) {
    throw new UnsupportedOperationException();
  }
}
