package io.meshwork.orchestrator.membership;

/** Where a member is in its life (docs/MEMBERSHIP.md, "States"). */
public enum MemberState {
  /** Admitted; not yet reached at its endpoint. */
  JOINING,
  /** Heartbeating and reachable: gets work. */
  LIVE,
  /** Missed heartbeats: gets no new work, keeps what it runs. */
  SUSPECT,
  /** Finishing its tasks before it leaves: gets no new work. */
  DRAINING,
  /** Silent past the lost timeout: its tasks are taken back. It may come back. */
  LOST,
  /** Deregistered. */
  LEFT;

  /** Whether a member in this state is sent new work. */
  public boolean takesWork() {
    return this == LIVE;
  }

  /** Whether a member in this state still counts as one of the mesh (everything but LEFT). */
  public boolean member() {
    return this != LEFT;
  }
}
