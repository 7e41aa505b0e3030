package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The port layout of a local mesh, pinned to the table in the README. */
class MeshLayoutTest {
  private final MeshLayout dev = new MeshLayout(50051, 2);

  @Test
  void theDevelopmentMeshTakesThePortsTheReadmeLists() {
    assertEquals(
        List.of("orchestrator", "ledger", "receipts", "executor-1", "executor-2"), dev.services());
    assertEquals(
        List.of(50051, 50052, 50053, 50054, 50055),
        dev.services().stream().map(dev::grpcPort).toList());
    assertEquals(
        List.of(51051, 51052, 51053, 51054, 51055),
        dev.services().stream().map(dev::adminPort).toList());
  }

  @Test
  void targetsAreOnLoopback() {
    assertEquals("127.0.0.1:50052", dev.target("ledger"));
    assertEquals(List.of("127.0.0.1:50054", "127.0.0.1:50055"), dev.executorTargets());
    assertEquals("executor-2", MeshLayout.executor(2));
  }

  @Test
  void anOrchestratorOnAnyFreePortHasItsAdminPortOnAnyFreePortToo() {
    assertEquals(0, new MeshLayout(0, 1).adminPort("orchestrator"));
  }

  @Test
  void aServiceTheMeshDoesNotHaveIsRefusedByName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> dev.grpcPort("executor-3"));
    assertEquals("no service executor-3 in a mesh of 2 executors", e.getMessage());
  }
}
