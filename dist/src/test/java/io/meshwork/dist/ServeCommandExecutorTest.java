package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** {@code meshwork serve executor}'s joining flags become the settings they stand for. */
class ServeCommandExecutorTest {
  @Test
  void joinFlagsBecomeSetsAndTheRestPassesUnchanged() {
    assertArrayEquals(
        new String[] {
          "--config", "e.yaml",
          "--set", "executor.join=orch:7000",
          "--set", "executor.join-token=mwjt_x",
          "--set", "grpc.advertise=exec-1:7100",
          "--set", "grpc.port=7100"
        },
        ServeCommand.executorArgs(
            new String[] {
              "--config", "e.yaml",
              "--join", "orch:7000",
              "--join-token", "mwjt_x",
              "--advertise", "exec-1:7100",
              "--set", "grpc.port=7100"
            }));
  }
}
