package io.meshwork.dist;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshwork.client.JobRequest;
import io.meshwork.client.SplitStrategy;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.GetAccountRequest;
import io.meshwork.ledger.v1.LedgerServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the end-to-end tests share: free ports, the example modules, ledger reads. */
final class MeshFixtures {
  private MeshFixtures() {}

  /** A base port with {@code count} free consecutive ports above it. */
  static int freePortBlock(int count) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base;
      try (ServerSocket s = new ServerSocket(0)) {
        base = s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (base + count >= 65_000) {
        continue;
      }
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (ServerSocket s = new ServerSocket(p)) {
          s.setReuseAddress(true);
        } catch (IOException taken) {
          free = false;
        }
      }
      // Admin ports sit 1000 above the gRPC ports.
      for (int p = base + 1000; p < base + 1000 + count && free; p++) {
        try (ServerSocket s = new ServerSocket(p)) {
          s.setReuseAddress(true);
        } catch (IOException taken) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no block of " + count + " free ports found");
  }

  /**
   * Waits until the gRPC service on {@code port} reports SERVING over the standard health check.
   *
   * @param process the service's process, so that one that died fails at once; null if none
   * @throws AssertionError when it does not serve within {@code limit}
   */
  static void awaitServing(int port, java.time.Duration limit, Process process)
      throws InterruptedException {
    long until = System.nanoTime() + limit.toNanos();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      while (true) {
        try {
          io.grpc.health.v1.HealthCheckResponse r =
              io.grpc.health.v1.HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(1, java.util.concurrent.TimeUnit.SECONDS)
                  .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance());
          if (r.getStatus() == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
        } catch (RuntimeException notYet) {
          if ((process != null && !process.isAlive()) || System.nanoTime() > until) {
            throw new AssertionError("the service on port " + port + " did not start", notYet);
          }
        }
        Thread.sleep(100);
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /** The bundled word-count module. */
  static byte[] wordCount() {
    return example("wordcount");
  }

  /** A word count of {@code text} in chunks of whole lines of at most 1,000 bytes. */
  static JobRequest wordCountByLines(byte[] text, long budget) {
    return JobRequest.newBuilder()
        .wasmModule(wordCount())
        .input(text)
        .splitStrategy(SplitStrategy.LINES)
        .maxChunkSize(1_000)
        .manaBudget(budget)
        .timeoutSecs(300)
        .build();
  }

  /** A bundled example module (examples/NAME/NAME.wasm), as the launcher ships it. */
  static byte[] example(String name) {
    try (InputStream in = MeshFixtures.class.getResourceAsStream("/examples/" + name + ".wasm")) {
      if (in == null) {
        throw new IllegalStateException("no bundled example " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A test module of the wasm-abi module's test resources. */
  static byte[] abiTestModule(String name) {
    try {
      return Files.readAllBytes(
          Path.of("..", "wasm-abi", "src", "test", "resources", "modules", name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A test module of the wasm-sandbox module's test resources, by name without .wasm. */
  static byte[] executorTestModule(String name) {
    try {
      return Files.readAllBytes(
          Path.of("..", "wasm-sandbox", "src", "test", "resources", "modules", name + ".wasm"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The posted balance of {@code did}, read as the service identity {@code reader}. */
  static long balance(int ledgerPort, Identity reader, String did) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", ledgerPort).usePlaintext().build();
    try {
      return LedgerServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(new BearerCredentials(reader))
          .getAccount(GetAccountRequest.newBuilder().setDid(did).build())
          .getAccount()
          .getBalance();
    } finally {
      channel.shutdownNow();
    }
  }

  /** The identity a DevMesh service keeps under {@code dataDir}. */
  static Identity serviceIdentity(Path dataDir, String service) {
    try {
      return Identity.load(dataDir.resolve(service).resolve(service + ".key"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
