package io.meshwork.blob.grpc;

import io.grpc.ManagedChannel;
import io.meshwork.blob.BlobService;
import io.meshwork.blob.BlobSettings;
import io.meshwork.blob.testing.FakeJobs;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.AccessWalk;
import io.meshwork.runtime.InProcessHost;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob store enforces the table of docs/AUTH.md: every RPC, called by a stranger, one who reads
 * every blob and nobody, over the production wiring. (It has no role of its own to grant: what a
 * caller may do with a blob is decided per blob.)
 */
class BlobAccessTest {
  @TempDir Path dataDir;

  @Test
  void everyRpcIsOpenToExactlyTheRolesTheDocumentNames() {
    Identity reader = Identity.generate();
    BlobService[] blobs = new BlobService[1];
    try (ServiceHost host =
        InProcessHost.start(
            "blobs",
            SettingsSchema.of("blobs", SharedSettings.ALL, BlobSettings.KEYS),
            new MapSettings(Map.of("data-dir", dataDir.toString())),
            ctx -> {
              blobs[0] = BlobService.open(ctx, new FakeJobs().reader(reader.did()));
              return new MeshService() {
                @Override
                public List<GuardedService> grpcServices() {
                  return List.of(blobs[0].grpcService());
                }

                @Override
                public void close() {
                  blobs[0].close();
                }
              };
            })) {
      ManagedChannel channel = InProcessHost.channel(host);
      try {
        AccessWalk.walk(
            channel,
            BlobServiceGrpc.getServiceDescriptor(),
            List.of(
                new AccessWalk.Party("a stranger", Identity.generate(), Set.of()),
                new AccessWalk.Party("one who reads every blob", reader, Set.of())));
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
