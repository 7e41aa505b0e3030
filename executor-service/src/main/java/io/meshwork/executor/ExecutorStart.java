package io.meshwork.executor;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.meshwork.executor.membership.JoinOptions;
import io.meshwork.executor.membership.JoinedCertificate;
import io.meshwork.executor.membership.Joiner;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.StartRefusedException;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.grpc.MeshChannels;
import io.meshwork.runtime.tls.CertificateRequest;
import io.meshwork.runtime.tls.TlsKeys;
import io.meshwork.sandbox.WasmEngine;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/**
 * The executor's step before it serves: an executor told to join an orchestrator ({@code
 * executor.join}) without a certificate of its own is admitted and issued one first, since its
 * server cannot start without it.
 *
 * <p>It reads the identity the host will load, makes a fresh P-256 TLS key and a certificate
 * request that its identity signs for, and joins over server-authenticated TLS (trusting the CA of
 * {@code tls.ca}, or of {@code tls.dev-ca}), known to the orchestrator by a bearer token. The
 * certificate, its key and the CA are written to {@code DATA-DIR/tls-joined}, and the executor
 * serves with {@code tls.cert}, {@code tls.key} and {@code tls.ca} pointed at them. An executor
 * with its own certificate, or none to join, starts as before; the first joins from {@link
 * ExecutorNode}, over mutual TLS.
 */
final class ExecutorStart {
  private static final Logger LOG = Logger.getLogger(ExecutorStart.class.getName());
  private static final String SERVICE = "executor";

  private ExecutorStart() {}

  /**
   * Joins if the settings ask for it and serving needs it, and says how to start.
   *
   * @throws SettingsException when the join settings do not fit together
   * @throws StartRefusedException when the orchestrator refuses the join or cannot be reached
   */
  static ServiceHost.Launch prepare(Settings settings, ExecutorNode.Alterations alterations) {
    ExecutorSettings s = ExecutorSettings.from(settings);
    Optional<JoinOptions> joining = s.joining();
    if (joining.isEmpty() || joining.get().ownCertificate()) {
      return new ServiceHost.Launch(
          settings, ctx -> ExecutorNode.create(ctx, alterations, Optional.empty()));
    }
    JoinOptions options = joining.get();
    Identity identity = ServiceHost.loadIdentity(SERVICE, settings);
    KeyPair tlsKey = TlsKeys.generate();
    WasmEngine engine = WasmEngine.chicory();
    Joiner.Joined joined;
    ManagedChannel channel =
        MeshChannels.open(
            options.orchestrator(),
            settings.get(SharedSettings.GRPC_MAX_MESSAGE_BYTES),
            serverAuthenticated(options));
    try {
      joined =
          new Joiner(
                  identity,
                  options.endpoint(),
                  engine.engineName() + " " + engine.engineVersion(),
                  true)
              .join(
                  channel,
                  new BearerCredentials(identity, Clock.systemUTC()),
                  options.token(),
                  Optional.of(CertificateRequest.create(identity, tlsKey, SERVICE)),
                  MemberCapacity.newBuilder()
                      .setCpuCores(Runtime.getRuntime().availableProcessors())
                      .setRamMb(s.maxMemoryBytes() >> 20)
                      .setTaskSlots(s.taskSlots())
                      .build());
    } catch (Joiner.JoinFailedException e) {
      throw new StartRefusedException(
          "the orchestrator at "
              + options.orchestrator()
              + " did not admit this executor: "
              + e.getMessage());
    } finally {
      MeshChannels.close(channel);
    }
    if (joined.response().getCertificate().isEmpty()) {
      throw new StartRefusedException(
          "the orchestrator at "
              + options.orchestrator()
              + " admitted this executor but issued it no certificate");
    }
    JoinedCertificate files;
    try {
      files =
          JoinedCertificate.write(
              settings.get(SharedSettings.DATA_DIR).resolve(JoinedCertificate.FOLDER),
              tlsKey.getPrivate(),
              joined.response().getCertificate(),
              joined.response().getCaCertificate(),
              options.trusted());
    } catch (IOException e) {
      throw new StartRefusedException(
          "cannot keep the certificate the orchestrator issued: " + e.getMessage());
    }
    LOG.info(
        () ->
            "admitted by "
                + options.orchestrator()
                + " ("
                + joined.orchestratorDid()
                + "); serving with the certificate it issued, in "
                + files.certificate().getParent());
    Settings withCertificate =
        new MapSettings(
            "executor.join",
            Map.of(
                SharedSettings.TLS_CERT.key(), files.certificate().toString(),
                SharedSettings.TLS_KEY.key(), files.key().toString(),
                SharedSettings.TLS_CA.key(), files.trusted().toString()),
            settings);
    return new ServiceHost.Launch(
        withCertificate, ctx -> ExecutorNode.create(ctx, alterations, Optional.of(joined)));
  }

  /** TLS that checks the orchestrator's certificate and presents none: the executor has none. */
  private static SslContext serverAuthenticated(JoinOptions options) {
    try {
      return GrpcSslContexts.forClient()
          .trustManager(options.trusted().toFile())
          .protocols("TLSv1.3")
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new SettingsException(
          "the CA file " + options.trusted() + " the join trusts: " + e.getMessage());
    }
  }
}
