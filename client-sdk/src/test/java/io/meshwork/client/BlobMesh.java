package io.meshwork.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshwork.blob.BlobService;
import io.meshwork.blob.BlobSettings;
import io.meshwork.blob.core.JobAccess;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsSchema;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real blob service in process, served by {@link ServiceHost} with its production interceptors
 * (bearer tokens, error mapping) as the orchestrator serves it, with small frames and checkpoints
 * so a few MiB make many frames and several acknowledgements. For the SDK's and CLI's upload tests.
 */
public final class BlobMesh implements AutoCloseable {
  /** The service's max_frame_bytes here. */
  public static final int FRAME = 64 * 1024;

  /** Where the blob service acknowledges, at the latest. */
  public static final int CHECKPOINT = 256 * 1024;

  /** Faults and records between every client of this mesh and its service. */
  public final UploadFaults faults = new UploadFaults();

  private final ServiceHost host;
  private final ManagedChannel channel;

  /** Starts the service with its files under {@code dataDir}. */
  public BlobMesh(Path dataDir) {
    String name = InProcessServerBuilder.generateName();
    host =
        ServiceHost.start(
            "orchestrator",
            SettingsSchema.of("orchestrator", SharedSettings.ALL, BlobSettings.KEYS),
            new MapSettings(
                Map.of(
                    "data-dir", dataDir.toString(),
                    "blobs.max-frame-bytes", String.valueOf(FRAME),
                    "blobs.checkpoint-bytes", String.valueOf(CHECKPOINT))),
            ctx -> {
              BlobService blobs = BlobService.open(ctx, NO_JOBS);
              return new MeshService() {
                @Override
                public List<GuardedService> grpcServices() {
                  return List.of(blobs.grpcService());
                }

                @Override
                public void close() {
                  blobs.close();
                }
              };
            },
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /** The channel to the service, through {@link #faults}. */
  public Channel channel() {
    return ClientInterceptors.intercept(channel, faults);
  }

  /**
   * A channel to an orchestrator as a client sees it: blob calls go to this service, every other
   * call to {@code compute} (a {@link FakeMesh}'s, say).
   */
  public Channel orchestrator(Channel compute) {
    Channel blobs = channel();
    return new Channel() {
      @Override
      public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
        return BlobServiceGrpc.SERVICE_NAME.equals(method.getServiceName())
            ? blobs.newCall(method, options)
            : compute.newCall(method, options);
      }

      @Override
      public String authority() {
        return compute.authority();
      }
    };
  }

  /** A new client, as a new process of {@code identity} would make. */
  public MeshClient client(Identity identity) {
    MeshClientOptions options =
        MeshClientOptions.newBuilder()
            .identity(identity)
            .callDeadline(Duration.ofSeconds(20))
            .build();
    return MeshClient.over(channel(), channel(), options);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    host.close();
  }

  /** No jobs: every blob belongs to its uploader. */
  private static final JobAccess NO_JOBS =
      new JobAccess() {
        @Override
        public boolean worksOn(String did, String jobId) {
          return false;
        }

        @Override
        public Optional<String> submitter(String jobId) {
          return Optional.empty();
        }

        @Override
        public boolean readsAll(String did) {
          return false;
        }
      };
}
