package io.meshwork.runtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessTableTest {
  private static final String CHECK = "grpc.health.v1.Health/Check";

  @Test
  void aRowAllowsItsRolesAndNoOthers() {
    AccessTable table =
        AccessTable.forService(HealthGrpc.getServiceDescriptor())
            .allow("Check", Role.OPERATOR, Role.PEER)
            .build();
    AccessTable.Rule rule = table.rule(CHECK).orElseThrow();
    assertTrue(rule.allows(Set.of(Role.USER, Role.PEER)));
    assertFalse(rule.allows(Set.of(Role.USER, Role.EXECUTOR)));
    assertEquals(Optional.empty(), table.rule("grpc.health.v1.Health/Watch"));
  }

  @Test
  void aTableNamesOnlyItsServicesMethodsEachOnce() {
    assertThrows(
        IllegalArgumentException.class,
        () -> AccessTable.forService(HealthGrpc.getServiceDescriptor()).allowPublic("Probe"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AccessTable.forService(HealthGrpc.getServiceDescriptor())
                .allowPublic("Check")
                .allow("Check", Role.USER));
  }

  @Test
  void aTableGuardsOnlyItsOwnService() {
    ServerServiceDefinition other = ServerServiceDefinition.builder("meshwork.test.Other").build();
    AccessTable table = AccessTable.forService(HealthGrpc.getServiceDescriptor()).build();
    assertThrows(IllegalArgumentException.class, () -> table.guard(() -> other));
    table.guard(new HealthStatusManager().getHealthService());
  }
}
