package io.meshwork.dist;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshwork.executor.membership.JoinedCertificate;
import io.meshwork.executor.membership.Joiner;
import io.meshwork.executor.membership.MembershipLink;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.GetCapacityRequest;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.runtime.tls.CertificateRequest;
import io.meshwork.runtime.tls.ServiceTls;
import io.meshwork.runtime.tls.TlsKeys;
import io.meshwork.runtime.tls.TlsOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * One lightweight member for {@code meshwork bench-members}: it joins with the executor's own join
 * client (a signed challenge, a certificate request), serves the one call the orchestrator makes to
 * check it (GetCapacity, over TLS with the issued certificate), and heartbeats with the executor's
 * own membership link over mutual TLS. It runs no tasks, so what the orchestrator spends on it is
 * membership alone.
 */
final class BenchJoiner implements AutoCloseable {
  private static final MemberCapacity IDLE =
      MemberCapacity.newBuilder().setCpuCores(1).setRamMb(64).setTaskSlots(1).build();

  private final Server server;
  private final ManagedChannel channel;
  private final MembershipLink link;
  private final String did;

  private BenchJoiner(Server server, ManagedChannel channel, MembershipLink link, String did) {
    this.server = server;
    this.channel = channel;
    this.link = link;
    this.did = did;
  }

  /**
   * Joins the orchestrator at {@code target} (reached over {@code joinChannel}, which trusts the
   * mesh's CA in {@code caFile}) as a new identity listening on loopback {@code port}, keeping its
   * files in {@code dir}.
   */
  static BenchJoiner join(
      String target, ManagedChannel joinChannel, Path caFile, int port, Path dir)
      throws IOException {
    Identity identity = Identity.generate();
    String endpoint = "127.0.0.1:" + port;
    Joiner joiner = new Joiner(identity, endpoint, "bench", true);
    KeyPair tlsKey = TlsKeys.generate();
    Joiner.Joined joined =
        joiner.join(
            joinChannel,
            new BearerCredentials(identity),
            Optional.empty(),
            Optional.of(CertificateRequest.create(identity, tlsKey, "bench-joiner")),
            IDLE);
    JoinedCertificate files =
        JoinedCertificate.write(
            dir,
            tlsKey.getPrivate(),
            joined.response().getCertificate(),
            joined.response().getCaCertificate(),
            caFile);
    ServiceTls tls =
        ServiceTls.of(
            new TlsOptions(
                false,
                Optional.of(files.certificate()),
                Optional.of(files.key()),
                Optional.of(files.trusted()),
                dir),
            identity,
            "bench-joiner");
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .sslContext(tls.serverContext())
            .addService(new Capacity(identity.did()))
            .build()
            .start();
    int colon = target.lastIndexOf(':');
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(
                target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)))
            .sslContext(tls.clientContext())
            .build();
    MembershipLink link =
        new MembershipLink(
            new MembershipLink.Orchestrator(channel, CertificateOnly.INSTANCE, joiner, target),
            joined,
            () -> IDLE,
            () -> false,
            Optional.empty(),
            again -> {},
            () -> {});
    link.start();
    return new BenchJoiner(server, channel, link, identity.did());
  }

  /** The member's DID. */
  String did() {
    return did;
  }

  @Override
  public void close() {
    link.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  /** GetCapacity, the call-back the orchestrator checks a joiner's endpoint with. */
  private static final class Capacity extends ExecutorServiceGrpc.ExecutorServiceImplBase {
    private final String did;

    Capacity(String did) {
      this.did = did;
    }

    @Override
    public void getCapacity(
        GetCapacityRequest request, StreamObserver<GetCapacityResponse> observer) {
      observer.onNext(
          GetCapacityResponse.newBuilder()
              .setExecutorDid(did)
              .setCpuCores(1)
              .setRamMb(64)
              .setTaskSlots(1)
              .build());
      observer.onCompleted();
    }
  }

  /** Mutual TLS names the caller; the calls carry nothing more. */
  private static final class CertificateOnly extends CallCredentials {
    static final CertificateOnly INSTANCE = new CertificateOnly();

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      applier.apply(new Metadata());
    }
  }
}
