package io.meshwork.runtime.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** Opens the Netty channels and server builders the mesh's services use between each other. */
public final class MeshChannels {
  private MeshChannels() {}

  /**
   * A TLS channel to {@code target} ("host:port") with {@code tls} (the service's client context:
   * its certificate, the mesh's CA), accepting messages up to the limit.
   */
  public static ManagedChannel open(String target, int maxMessageBytes, SslContext tls) {
    return NettyChannelBuilder.forTarget(target)
        .sslContext(tls)
        .maxInboundMessageSize(maxMessageBytes)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .build();
  }

  /**
   * A plaintext channel to {@code target}, for a mesh run with {@code tls.plaintext} (debugging
   * only), accepting messages up to the limit.
   */
  public static ManagedChannel openPlaintext(String target, int maxMessageBytes) {
    return NettyChannelBuilder.forTarget(target)
        .usePlaintext()
        .maxInboundMessageSize(maxMessageBytes)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .build();
  }

  /** A Netty server builder bound to {@code host:port} (port 0 picks a free port). */
  public static NettyServerBuilder serverOn(String host, int port) {
    return NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
  }

  /** Closes a channel, waiting briefly for calls in flight. */
  public static void close(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
