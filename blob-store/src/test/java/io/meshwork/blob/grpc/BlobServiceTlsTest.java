package io.meshwork.blob.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshwork.blob.BlobService;
import io.meshwork.blob.testing.FakeJobs;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.CreateUploadRequest;
import io.meshwork.blob.v1.GetUploadRequest;
import io.meshwork.blob.v1.Upload;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.auth.GuardedService;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.tls.TlsTestClients;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob service served the way every service is, by {@link ServiceHost} on Netty: its port
 * speaks TLS only, with a certificate from the development CA in the data folder, users upload with
 * their token over TLS, and the plaintext health port of probes carries nothing of it.
 */
class BlobServiceTlsTest {
  private static final String BLOB_SERVICE = BlobServiceGrpc.SERVICE_NAME;

  @TempDir Path dataDir;

  private final Identity alice = Identity.generate();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private ServiceHost host;

  @BeforeEach
  void start() {
    host =
        ServiceHost.start(
            "blobs",
            BlobGrpcServiceTest.SCHEMA,
            new MapSettings(Map.of("data-dir", dataDir.toString(), "grpc.health-port", "0")),
            ctx -> {
              BlobService blobs = BlobService.open(ctx, new FakeJobs());
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
            });
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    host.close();
  }

  @Test
  void aUserUploadsWithItsTokenOverTlsThatTrustsTheMeshsCa() {
    ManagedChannel tls = keep(TlsTestClients.user(host.grpcPort(), dataDir.resolve("tls")));
    var blobs =
        BlobServiceGrpc.newBlockingStub(tls)
            .withCallCredentials(new BearerCredentials(alice))
            .withDeadlineAfter(30, TimeUnit.SECONDS);

    Upload created =
        blobs
            .createUpload(CreateUploadRequest.newBuilder().setRequestId("r1").setSize(3).build())
            .getUpload();

    assertEquals(
        created,
        blobs
            .getUpload(GetUploadRequest.newBuilder().setUploadId(created.getUploadId()).build())
            .getUpload());
  }

  @Test
  void aPlaintextClientGetsNoConnection() {
    ManagedChannel plaintext = keep(plaintext(host.grpcPort()));

    StatusRuntimeException upload =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                BlobServiceGrpc.newBlockingStub(plaintext)
                    .withCallCredentials(new BearerCredentials(alice))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .createUpload(
                        CreateUploadRequest.newBuilder().setRequestId("r1").setSize(3).build()));
    StatusRuntimeException health =
        assertThrows(StatusRuntimeException.class, () -> health(plaintext, ""));

    assertEquals(Status.Code.UNAVAILABLE, upload.getStatus().getCode());
    assertEquals(Status.Code.UNAVAILABLE, health.getStatus().getCode());
  }

  @Test
  void theProbesPlaintextHealthPortReportsTheBlobServiceAndServesNothingOfIt() {
    ManagedChannel probe = keep(plaintext(host.healthPort()));

    StatusRuntimeException upload =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                BlobServiceGrpc.newBlockingStub(probe)
                    .withCallCredentials(new BearerCredentials(alice))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .createUpload(
                        CreateUploadRequest.newBuilder().setRequestId("r1").setSize(3).build()));

    assertEquals(ServingStatus.SERVING, health(probe, BLOB_SERVICE));
    assertEquals(Status.Code.UNIMPLEMENTED, upload.getStatus().getCode());
  }

  private static ManagedChannel plaintext(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static ServingStatus health(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  private ManagedChannel keep(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }
}
