package io.meshwork.orchestrator.leadership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.jobs.JournalFence;
import io.meshwork.runtime.errors.MeshException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A replica's standing: a stand-by refuses work naming the leader; taking over fences every journal
 * at the epoch before any duty runs, then serves; a journal fenced higher, or a lost lease, deposes
 * it, and a deposed replica stops once.
 */
class LeadershipTest {
  private final List<String> steps = new CopyOnWriteArrayList<>();
  private final List<Boolean> reported = new CopyOnWriteArrayList<>();

  private JournalFence journal(String name, long highest) {
    return epoch -> {
      if (epoch < highest) {
        throw new IllegalStateException(
            "the journal is at epoch " + highest + ", it writes at epoch " + epoch);
      }
      steps.add("fence " + name + " at " + epoch);
    };
  }

  private Leadership leadership(List<JournalFence> journals) {
    return new Leadership(
        "orchestrator-1",
        journals,
        List.of(() -> steps.add("membership"), () -> steps.add("resume jobs")),
        reported::add,
        () -> steps.add("stop"));
  }

  @Test
  void aStandByRefusesWorkAsUnavailableNamingTheLeader() {
    Leadership l = leadership(List.of());
    assertEquals(List.of(false), reported, "not serving from the start");
    MeshException before = assertThrows(MeshException.class, l::requireLeading);
    assertEquals(MeshException.Kind.UNAVAILABLE, before.kind());
    assertEquals(
        "this orchestrator replica is standing by; the leader is not known yet",
        before.getMessage());

    l.leaderIs("orchestrator-0");

    MeshException after = assertThrows(MeshException.class, l::requireLeading);
    assertEquals(
        "this orchestrator replica is standing by; the leader is orchestrator-0",
        after.getMessage());
    assertEquals("STANDING_BY", after.reason());
    assertFalse(l.leads());
    assertEquals(List.of(), steps, "a stand-by does none of the leader's duties");
  }

  @Test
  void takingOverFencesEveryJournalFirstThenTakesUpTheDutiesAndServes() {
    Leadership l = leadership(List.of(journal("jobs", 0), journal("members", 0)));

    l.lead(7);

    assertEquals(
        List.of("fence jobs at 7", "fence members at 7", "membership", "resume jobs"), steps);
    assertTrue(l.leads());
    l.requireLeading();
    assertEquals(List.of(false, true), reported);
    l.lead(8);
    assertEquals(4, steps.size(), "a leader takes over once");
  }

  @Test
  void aJournalFencedHigherDeposesTheReplicaBeforeAnyDuty() {
    Leadership l = leadership(List.of(journal("jobs", 3)));

    l.lead(2);

    assertEquals(List.of("stop"), steps);
    assertFalse(l.leads());
    assertThrows(MeshException.class, l::requireLeading);
  }

  @Test
  void aDeposedLeaderStopsServingAndStopsOnce() {
    Leadership l = leadership(List.of(journal("jobs", 0)));
    l.lead(1);

    l.depose("it lost the Lease");
    l.depose("it lost the Lease");

    assertEquals("stop", steps.get(steps.size() - 1));
    assertEquals(1, steps.stream().filter("stop"::equals).count());
    assertEquals(List.of(false, true, false), reported);
    assertFalse(l.leads());
    l.lead(2);
    assertFalse(l.leads(), "deposed is final: the process goes");
  }

  @Test
  void aLoneReplicaLeadsAtOnceWithoutFencing() {
    Leadership l = leadership(List.of(journal("jobs", 5)));

    l.leadAlone();

    assertEquals(List.of("membership", "resume jobs"), steps);
    assertTrue(l.leads());
  }
}
