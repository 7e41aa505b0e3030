package io.meshwork.runtime.tls;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerTransportFilter;
import io.meshwork.identity.DidKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The DID at the other end of a TLS connection, as its verified certificate names it.
 *
 * <p>A mesh certificate names its holder's did:key as its one URI subject alternative name ({@link
 * CertificateAuthority}). The TLS stack has already checked the chain against the mesh's CA and the
 * peer's possession of the key, so the DID read here is authenticated: on the server, the DID of
 * the client that presented a certificate ({@link #clientDid(ServerCall)}); on a client, the DID of
 * the server a call reached ({@link #serverDid(ClientCall)}, {@link
 * #captureServerDid(AtomicReference)}).
 */
public final class PeerIdentity {
  /**
   * The transport attribute that holds the client certificate's DID, set once per connection by
   * {@link #transportFilter()} so that calls do not parse the certificate again.
   */
  static final Attributes.Key<String> CLIENT_DID = Attributes.Key.create("meshwork-client-did");

  private static final int URI_NAME = 6;

  private PeerIdentity() {}

  /**
   * The did:key a certificate names: its one URI subject alternative name that is an Ed25519
   * did:key. Empty when it names none, or more than one.
   */
  public static Optional<String> didOf(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    String found = null;
    for (List<?> name : names) {
      if (name.size() == 2
          && Integer.valueOf(URI_NAME).equals(name.get(0))
          && name.get(1) instanceof String uri
          && uri.startsWith("did:")) {
        if (found != null || !DidKey.isDidKey(uri)) {
          return Optional.empty();
        }
        found = uri;
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * The DID of the peer's verified certificate in a TLS session. Empty when the session has no peer
   * certificate (a client that presented none) or the certificate names no DID.
   */
  public static Optional<String> didOf(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
        return didOf(leaf);
      }
    } catch (SSLPeerUnverifiedException none) {
      // No certificate was presented: no DID.
    }
    return Optional.empty();
  }

  /**
   * On a server: the DID of the verified client certificate the call's connection presented. Empty
   * over plaintext, in-process, or over TLS without a client certificate naming a DID.
   */
  public static Optional<String> clientDid(ServerCall<?, ?> call) {
    Attributes attributes = call.getAttributes();
    String did = attributes.get(CLIENT_DID);
    if (did != null) {
      return Optional.of(did);
    }
    return didOf(attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
  }

  /** On a server: whether the call arrived over TLS (with or without a client certificate). */
  public static boolean overTls(ServerCall<?, ?> call) {
    return call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION) != null;
  }

  /**
   * A transport filter that reads the client certificate's DID once per connection, for {@link
   * #clientDid(ServerCall)}. {@code MeshServer} installs it.
   */
  public static ServerTransportFilter transportFilter() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes transport) {
        Optional<String> did = didOf(transport.get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        return did.isEmpty() ? transport : transport.toBuilder().set(CLIENT_DID, did.get()).build();
      }
    };
  }

  /**
   * On a client: the DID of the server a call reached, from the certificate it presented in the
   * handshake. Known once the call has its response headers; empty before that, over plaintext, or
   * when the certificate names no DID.
   */
  public static Optional<String> serverDid(ClientCall<?, ?> call) {
    return didOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
  }

  /**
   * A client interceptor that stores in {@code did} the DID of the server that answered the call,
   * as soon as the response headers arrive, so before any response message (the way grpc-java's
   * {@code MetadataUtils.newCaptureMetadataInterceptor} captures headers). It stores {@code null}
   * when the server's certificate names no DID. Use a new one per call:
   *
   * <pre>{@code
   * AtomicReference<String> executor = new AtomicReference<>();
   * AnnounceResponse bid =
   *     stub.withInterceptors(PeerIdentity.captureServerDid(executor)).announce(request);
   * // executor.get() is the did:key the executor proved in its TLS handshake.
   * }</pre>
   */
  public static ClientInterceptor captureServerDid(AtomicReference<String> did) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            ClientCall<Q, R> call = this;
            super.start(
                new SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onHeaders(Metadata responseHeaders) {
                    did.set(serverDid(call).orElse(null));
                    super.onHeaders(responseHeaders);
                  }
                },
                headers);
          }
        };
      }
    };
  }
}
