package io.meshwork.dist;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code meshwork dev}: runs the whole mesh in this process until interrupted. */
@Command(
    name = "dev",
    description =
        "Run the whole mesh on this machine: orchestrator, ledger, receipt log and executors.")
final class DevCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      description = "Where the services keep their files (default: ${DEFAULT-VALUE}).")
  Path dataDir = MeshHome.dir().resolve("dev");

  @Option(
      names = "--port-base",
      description = "Orchestrator port; the others follow it (default: ${DEFAULT-VALUE}).")
  int portBase = 50051;

  @Option(
      names = "--executors",
      description = "How many executors to run (default: ${DEFAULT-VALUE}).")
  int executors = 2;

  @Override
  public Integer call() throws InterruptedException {
    DevMesh mesh = DevMesh.start(dataDir, portBase, executors, Map.of());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  mesh.close();
                  stopped.countDown();
                }));
    System.out.println("Meshwork development mesh (data in " + dataDir.toAbsolutePath() + ")");
    System.out.printf(
        "%-14s %-13s %-17s %-22s %s%n", "SERVICE", "ROLE", "gRPC", "ADMIN", "IDENTITY");
    for (DevMesh.Endpoint e : mesh.endpoints()) {
      System.out.printf(
          "%-14s %-13s 127.0.0.1:%-7d http://127.0.0.1:%-5d %s%n",
          e.name(), e.role(), e.grpcPort(), e.adminPort(), e.did());
    }
    System.out.println(
        "Try: grpcurl -plaintext 127.0.0.1:" + portBase + " list    (Ctrl-C stops the mesh)");
    stopped.await();
    return 0;
  }
}
