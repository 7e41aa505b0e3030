package io.meshwork.runtime.tls;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshwork.identity.Identity;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * Channels the tests open to services that serve TLS with a development CA: as a user, who trusts
 * the CA's {@code ca.pem} and presents no certificate, and as a party of the mesh, which presents a
 * certificate the CA issued for its identity through the real request protocol.
 */
public final class TlsTestClients {
  private TlsTestClients() {}

  /** A server-authenticated TLS channel to loopback {@code port}, trusting {@code caDir/ca.pem}. */
  public static ManagedChannel user(int port, Path caDir) {
    return user("127.0.0.1", port, caDir);
  }

  /** As {@link #user(int, Path)}, to {@code host} rather than loopback. */
  public static ManagedChannel user(String host, int port, Path caDir) {
    try {
      return NettyChannelBuilder.forAddress(host, port)
          .sslContext(GrpcSslContexts.forClient().trustManager(caFile(caDir)).build())
          .maxInboundMessageSize(64 << 20)
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A mutual TLS channel to loopback {@code port} that presents a certificate the CA in {@code
   * caDir} issues now for {@code identity}.
   */
  public static ManagedChannel party(int port, Path caDir, Identity identity) {
    return party("127.0.0.1", port, caDir, identity);
  }

  /** As {@link #party(int, Path, Identity)}, to {@code host} rather than loopback. */
  public static ManagedChannel party(String host, int port, Path caDir, Identity identity) {
    ServiceTls tls = certificateFor(caDir, identity);
    return NettyChannelBuilder.forAddress(host, port)
        .sslContext(tls.clientContext())
        .maxInboundMessageSize(64 << 20)
        .build();
  }

  /** A certificate for {@code identity} from the CA in {@code caDir}, with its key. */
  public static ServiceTls certificateFor(Path caDir, Identity identity) {
    try {
      return ServiceTls.issuedBy(
          CertificateAuthority.load(caDir),
          identity,
          "test-party",
          CertificateAuthority.LOOPBACK_NAMES);
    } catch (IOException e) {
      throw new UncheckedIOException("no CA in " + caDir, e);
    }
  }

  private static File caFile(Path caDir) {
    return caDir.resolve(CertificateAuthority.CERTIFICATE_FILE).toFile();
  }
}
