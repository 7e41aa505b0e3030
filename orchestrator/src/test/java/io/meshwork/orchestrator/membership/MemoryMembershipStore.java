package io.meshwork.orchestrator.membership;

import io.meshwork.orchestrator.jobs.MemoryFence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The membership journal in memory, for the domain's tests. */
final class MemoryMembershipStore implements MembershipStore {
  private final Map<String, MemberView> members = new LinkedHashMap<>();
  private final Map<String, List<String>> history = new LinkedHashMap<>();
  private final Map<String, JoinTokenRecord> tokens = new LinkedHashMap<>();
  private final MemoryFence fence = new MemoryFence();

  @Override
  public synchronized List<MemberView> members() {
    return new ArrayList<>(members.values());
  }

  @Override
  public synchronized void record(MemberView member, MemberState from, String reason, long at) {
    members.put(member.did(), member);
    history
        .computeIfAbsent(member.did(), d -> new ArrayList<>())
        .add((from == null ? "-" : from.name()) + " -> " + member.state() + ": " + reason);
  }

  @Override
  public synchronized List<String> history(String did) {
    return List.copyOf(history.getOrDefault(did, List.of()));
  }

  @Override
  public synchronized void saveToken(JoinTokenRecord token) {
    tokens.put(token.id(), token);
  }

  @Override
  public synchronized Optional<JoinTokenRecord> token(String id) {
    return Optional.ofNullable(tokens.get(id));
  }

  @Override
  public synchronized boolean spendToken(String id) {
    JoinTokenRecord t = tokens.get(id);
    if (t == null || t.usesLeft() <= 0) {
      return false;
    }
    tokens.put(
        id,
        new JoinTokenRecord(
            t.id(),
            t.secretHash(),
            t.createdAt(),
            t.expiresAt(),
            t.uses(),
            t.usesLeft() - 1,
            t.description(),
            t.createdBy()));
    return true;
  }

  @Override
  public void fence(long epoch) {
    fence.fence(epoch);
  }

  @Override
  public void close() {}
}
