package io.meshwork.orchestrator.membership;

import io.meshwork.orchestrator.jobs.JournalFence;
import java.util.List;
import java.util.Optional;

/**
 * Port: where membership is journaled, so that a restarted orchestrator knows who was admitted (a
 * member need not present a token again), and the history of every member's states is kept.
 *
 * <p>Like the job journal it is fenced ({@link JournalFence}): once another replica fenced it at a
 * higher epoch, every write of this store throws {@code FencedOutException} and leaves no trace.
 */
public interface MembershipStore extends JournalFence, AutoCloseable {
  /** Every member journaled, left ones included. */
  List<MemberView> members();

  /** Records {@code member}'s current row and, in the same transaction, one history event. */
  void record(MemberView member, MemberState from, String reason, long at);

  /** The history of {@code did}, oldest first: "at from -> to: reason". */
  List<String> history(String did);

  /** Saves a new join token. */
  void saveToken(JoinTokenRecord token);

  /** The token with public id {@code id}. */
  Optional<JoinTokenRecord> token(String id);

  /** Takes one use of the token, atomically; false when it has none left. */
  boolean spendToken(String id);

  @Override
  void close();
}
