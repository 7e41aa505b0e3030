package io.meshwork.dist;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Channels the launcher's own commands open as a client of a mesh (health checks, the bench's
 * reference round trip), secured the way the Java SDK secures its own.
 */
final class ClientChannels {
  private ClientChannels() {}

  /**
   * A channel to {@code target}: TLS trusting {@code ca} (the JDK's CAs when empty), or plaintext
   * for a mesh run without TLS.
   */
  static ManagedChannel open(String target, Optional<Path> ca, boolean plaintext) {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target);
    if (plaintext) {
      return builder.usePlaintext().build();
    }
    try {
      var tls = GrpcSslContexts.forClient();
      ca.ifPresent(file -> tls.trustManager(file.toFile()));
      return builder.sslContext(tls.build()).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
