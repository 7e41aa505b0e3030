package io.meshwork.orchestrator.mesh;

import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.identity.Identity;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.orchestrator.membership.MemberLoad;
import io.meshwork.runtime.ServiceContext;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.CertificateRequest;
import io.meshwork.runtime.tls.PemFiles;
import io.meshwork.runtime.tls.TlsKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The orchestrator's own executor, the fallback when no other executor bids: a real executor (its
 * own identity, Chicory sandbox, signed receipts) served on a loopback port of the orchestrator's
 * process, reached over the same gRPC and TLS as any member. Its certificate comes from the
 * development CA the orchestrator uses, or from the CA that certifies joiners.
 */
public final class LocalExecutor implements AutoCloseable {
  /** Its service name, folder under the orchestrator's data directory, and TLS common name. */
  public static final String NAME = "local-executor";

  private final ServiceHost host;

  private LocalExecutor(ServiceHost host) {
    this.host = host;
  }

  /**
   * Starts the local executor beside the orchestrator {@code ctx}, with {@code slots} task slots.
   *
   * @param joinCa the CA that certifies joiners, used when the orchestrator is not on the
   *     development CA
   * @throws SettingsException when the orchestrator has a certificate of its own and no CA from
   *     which the local executor could get one
   */
  public static LocalExecutor start(
      ServiceContext ctx, int slots, Optional<CertificateAuthority> joinCa) {
    Path dir = ctx.dataDir().resolve(NAME);
    Map<String, String> s = new HashMap<>();
    s.put(SharedSettings.GRPC_HOST.key(), "127.0.0.1");
    s.put(SharedSettings.GRPC_PORT.key(), "0");
    s.put(SharedSettings.ADMIN_PORT.key(), "-1");
    s.put(SharedSettings.DATA_DIR.key(), dir.toString());
    s.put(SharedSettings.IDENTITY_FILE.key(), dir.resolve(NAME + ".key").toString());
    s.put(SharedSettings.AUTH_ORCHESTRATORS.key(), ctx.identity().did());
    s.put(
        SharedSettings.MESH_DEV_MODE.key(),
        Boolean.toString(ctx.settings().get(SharedSettings.MESH_DEV_MODE)));
    s.put(
        SharedSettings.GRPC_MAX_MESSAGE_BYTES.key(),
        Integer.toString(ctx.settings().get(SharedSettings.GRPC_MAX_MESSAGE_BYTES)));
    s.put(ExecutorSettings.TASK_SLOTS.key(), Integer.toString(slots));
    boolean plaintext = ctx.settings().get(SharedSettings.TLS_PLAINTEXT);
    if (plaintext) {
      s.put(SharedSettings.TLS_PLAINTEXT.key(), "true");
    } else if (ctx.settings().get(SharedSettings.TLS_CERT).isEmpty()) {
      s.put(
          SharedSettings.TLS_DEV_CA.key(),
          ctx.settings()
              .get(SharedSettings.TLS_DEV_CA)
              .orElseGet(() -> ctx.settings().get(SharedSettings.DATA_DIR).resolve("tls"))
              .toString());
    } else {
      CertificateAuthority ca =
          joinCa.orElseThrow(
              () ->
                  new SettingsException(
                      "orchestrator.local-slots is above 0, but the orchestrator has its own"
                          + " certificate and no orchestrator.join-ca to certify its local"
                          + " executor; set orchestrator.join-ca or orchestrator.local-slots=0"));
      certify(dir, ca, s);
      ctx.settings()
          .get(SharedSettings.TLS_CA)
          .ifPresent(p -> s.put(SharedSettings.TLS_CA.key(), p.toString()));
    }
    ServiceHost host =
        ServiceHost.start(NAME, ExecutorSettings.SCHEMA, new MapSettings(s), ExecutorNode::create);
    return new LocalExecutor(host);
  }

  /** Issues the local executor's certificate from {@code ca} and points its settings at it. */
  private static void certify(Path dir, CertificateAuthority ca, Map<String, String> s) {
    try {
      Files.createDirectories(dir);
      Identity identity = Identity.loadOrCreate(dir.resolve(NAME + ".key"));
      KeyPair tls = TlsKeys.generate();
      String cert =
          CertificateAuthority.certificatePem(
              ca.issue(
                  CertificateRequest.create(identity, tls, NAME),
                  List.of("127.0.0.1", "localhost"),
                  CertificateAuthority.SERVICE_VALIDITY));
      Path certFile = dir.resolve("tls-cert.pem");
      Path keyFile = dir.resolve("tls-key.pem");
      PemFiles.write(certFile, cert, false);
      PemFiles.write(keyFile, TlsKeys.privateKeyPem(tls.getPrivate()), true);
      s.put(SharedSettings.TLS_CERT.key(), certFile.toString());
      s.put(SharedSettings.TLS_KEY.key(), keyFile.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot certify the local executor in " + dir, e);
    }
  }

  /** Its DID. */
  public String did() {
    return host.context().identity().did();
  }

  /** Its size and the tasks it runs now. */
  public MemberLoad load() {
    MemberCapacity c = ((ExecutorNode) host.service()).capacity();
    return new MemberLoad(
        c.getCpuCores(), c.getRamMb(), c.getTaskSlots(), c.getRunningTasks(), c.getQueuedTasks());
  }

  /** Where the orchestrator reaches it. */
  public String endpoint() {
    return "127.0.0.1:" + host.grpcPort();
  }

  @Override
  public void close() {
    host.close();
  }
}
