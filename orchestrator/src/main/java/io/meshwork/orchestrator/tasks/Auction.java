package io.meshwork.orchestrator.tasks;

import io.meshwork.orchestrator.trust.Reputation;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One RFC 0016 auction for a task: announce to every executor, collect bids until T2
 * (rebroadcasting every T1, up to N1 times, while none is acceptable), refuse the executors that
 * cannot take it (each with its reason), rank the rest with the {@link SelectionPolicy}, and
 * reserve the winner's price from the job's budget.
 */
final class Auction {
  /** The winner of an auction and the record of how it won (its outcome still to come). */
  record Winner(Bid bid, Placement placement) {}

  private final ExecutorFleet fleet;
  private final SelectionPolicy policy;
  private final Reputation reputation;
  private final ExecutorLoad load;
  private final String originatorDid;
  private final Clock clock;
  private final ExecutorService calls;
  private final Duration t1;
  private final Duration t2;
  private final int n1;

  Auction(
      ExecutorFleet fleet,
      SelectionPolicy policy,
      Reputation reputation,
      ExecutorLoad load,
      String originatorDid,
      Clock clock,
      ExecutorService calls,
      TaskPipeline.Options options) {
    this.fleet = fleet;
    this.policy = policy;
    this.reputation = reputation;
    this.load = load;
    this.originatorDid = originatorDid;
    this.clock = clock;
    this.calls = calls;
    this.t1 = options.t1();
    this.t2 = options.t2();
    this.n1 = options.n1();
  }

  /**
   * Announces until an acceptable bid arrives, ranks the bids, and reserves the winner's price.
   * Every executor that cannot take the task is named with its reason in the failure.
   *
   * @param claimed DIDs that may not win (they failed this task or run another replica of it); the
   *     winner is added
   * @param passOver an executor to pass over when anyone else bids (the task was just withdrawn
   *     from its queue), or null
   */
  Winner run(
      TaskSpec task,
      TaskControl control,
      Set<String> claimed,
      String role,
      int placementNo,
      String passOver) {
    Map<String, String> refusals = new LinkedHashMap<>();
    for (int round = 0; round <= n1; round++) {
      TaskPipeline.checkStopped(task, control);
      if (round > 0) {
        sleep(t1);
      }
      refusals.clear();
      long budget = control.budgetLeft();
      List<Bid> eligible =
          eligible(
              collectBids(task, budget, refusals, fleet.executors()), claimed, budget, refusals);
      Optional<ExecutorHandle> lastResort = fleet.lastResort();
      if (eligible.isEmpty()
          && lastResort.isPresent()
          && refusals.values().stream().noneMatch(r -> r.startsWith("BUSY"))) {
        // Nobody else can take it now: the orchestrator's own executor bids.
        eligible =
            eligible(
                collectBids(task, budget, refusals, List.of(lastResort.get())),
                claimed,
                budget,
                refusals);
      }
      if (passOver != null
          && eligible.size() > 1
          && eligible.removeIf(b -> b.did().equals(passOver))) {
        refusals.put(passOver, "PASSED_OVER (the task was just withdrawn from its queue)");
      }
      List<SelectionPolicy.Judged> ranked =
          policy.rank(eligible, reputation::score, load::liveLoad);
      for (SelectionPolicy.Judged j : ranked) {
        String did = j.bid().did();
        if (!claimed.add(did)) {
          continue;
        }
        if (!control.reserve(j.bid().price())) {
          claimed.remove(did);
          refusals.put(did, "TOO_EXPENSIVE (the budget left no longer covers its bid)");
          continue;
        }
        Placement placement =
            new Placement(
                task.taskId(),
                task.chunkIndex(),
                task.exportName(),
                placementNo,
                did,
                j.bid().price(),
                policy.winReason(j, ranked.size()),
                policy.verdicts(ranked, j),
                refusals(refusals),
                "",
                clock.millis(),
                role);
        return new Winner(j.bid(), placement);
      }
      if (refusals.values().stream().anyMatch(r -> r.startsWith("BUSY"))
          && clock.millis() < task.deadlineMillis()) {
        // An executor that declined only because its slots and queue are full will take work
        // again soon: a job of a thousand chunks keeps more tasks waiting than the fleet has
        // places. Wait for one of this orchestrator's tasks to free a place, without spending
        // a round; the job's deadline bounds the wait.
        load.awaitFreedSlot(task, control);
        round--;
      }
    }
    control.placed(
        new Placement(
            task.taskId(),
            task.chunkIndex(),
            task.exportName(),
            placementNo,
            "",
            0,
            "",
            List.of(),
            refusals(refusals),
            "no executor could take it",
            clock.millis(),
            role));
    throw new TaskFailedException(
        "NO_EXECUTOR",
        "no executor could take task "
            + task.taskId()
            + (refusals.isEmpty() ? ": no executor is known" : ": " + describe(refusals)));
  }

  /** The bids that may win: a positive price within the budget, from a trusted, unused DID. */
  private List<Bid> eligible(
      List<Bid> bids, Set<String> claimed, long budget, Map<String, String> refusals) {
    List<Bid> eligible = new ArrayList<>();
    for (Bid b : bids) {
      String did = b.did();
      if (b.price() <= 0) {
        // A price of 0 would win every ranking, and one of 2^63 or more arrives here negative.
        refusals.put(
            did,
            "INVALID_PRICE (a bid must ask a positive number of mana, not "
                + Long.toUnsignedString(b.price())
                + ")");
      } else if (claimed.contains(did)) {
        refusals.put(did, "ALREADY_USED (it failed this task or runs another replica of it)");
      } else if (!reputation.trusted(did)) {
        refusals.put(
            did,
            String.format(
                Locale.ROOT,
                "UNTRUSTED (its verified reputation %.2f is below the threshold %.2f)",
                reputation.score(did),
                reputation.threshold()));
      } else if (b.price() > budget) {
        refusals.put(
            did,
            "TOO_EXPENSIVE (bid "
                + b.price()
                + " mana, above the "
                + budget
                + " the job's budget has left)");
      } else {
        eligible.add(b);
      }
    }
    return eligible;
  }

  private List<Bid> collectBids(
      TaskSpec task, long budget, Map<String, String> refusals, List<ExecutorHandle> executors) {
    Announcement announcement =
        new Announcement(
            task.taskId(),
            originatorDid,
            task.moduleCid(),
            task.chunk().size(),
            task.chunk().cid(),
            task.limits(),
            task.operationType(),
            budget,
            task.limits().wallTimeMs(),
            clock.millis(),
            UUID.randomUUID().toString());
    Map<ExecutorHandle, Future<AnnounceAnswer>> answers = new LinkedHashMap<>();
    for (ExecutorHandle e : executors) {
      answers.put(e, calls.submit(() -> e.announce(announcement, t2)));
    }
    long until = System.nanoTime() + t2.toNanos();
    List<Bid> bids = new ArrayList<>();
    for (Map.Entry<ExecutorHandle, Future<AnnounceAnswer>> a : answers.entrySet()) {
      String who = a.getKey().endpoint();
      try {
        AnnounceAnswer r =
            a.getValue().get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (r.impersonates()) {
          // Named by the identity it proved, not the one it claimed: the claimed executor did
          // nothing and keeps its standing.
          refusals.put(
              r.answeredBy(),
              "IMPERSONATION (it bid as "
                  + r.bid().executorDid()
                  + ", but its certificate names "
                  + r.answeredBy()
                  + ")");
        } else if (r.bid() != null) {
          bids.add(new Bid(a.getKey(), r.bid()));
        } else {
          refusals.put(who, r.declineReason() + " (" + r.declineMessage() + ")");
        }
      } catch (TimeoutException e) {
        a.getValue().cancel(true);
        refusals.put(who, "NO_BID (no answer within T2, " + t2.toMillis() + " ms)");
      } catch (ExecutionException e) {
        refusals.put(who, "UNREACHABLE (" + e.getCause().getMessage() + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted while collecting bids");
      }
    }
    return bids;
  }

  private static List<Placement.Refusal> refusals(Map<String, String> refusals) {
    List<Placement.Refusal> out = new ArrayList<>(refusals.size());
    refusals.forEach((who, why) -> out.add(new Placement.Refusal(who, why)));
    return out;
  }

  private static String describe(Map<String, String> reasons) {
    List<String> parts = new ArrayList<>();
    reasons.forEach((who, why) -> parts.add(who + ": " + why));
    return String.join("; ", parts);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TaskFailedException("CANCELLED", "interrupted");
    }
  }
}
