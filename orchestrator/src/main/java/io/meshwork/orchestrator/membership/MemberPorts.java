package io.meshwork.orchestrator.membership;

import io.meshwork.orchestrator.tasks.ExecutorHandle;
import java.util.List;
import java.util.Optional;

/** The ports membership works through; the wiring hands in their adapters. */
public final class MemberPorts {
  private MemberPorts() {}

  /** Issues TLS certificates to joining executors from the mesh's CA. */
  public interface CertificateIssuer {
    /**
     * Checks {@code requestPem} (docs/TLS.md: it must name {@code did} and carry its proof) and
     * issues a certificate valid for {@code host}.
     *
     * @throws io.meshwork.runtime.errors.MeshException INVALID_ARGUMENT naming the failed check
     */
    Issued issue(String requestPem, String did, String host);

    /** The CA certificate (PEM) that members trust; empty when this orchestrator issues none. */
    Optional<String> caCertificate();

    /** An issuer for an orchestrator that holds no CA key. */
    CertificateIssuer NONE =
        new CertificateIssuer() {
          @Override
          public Issued issue(String requestPem, String did, String host) {
            throw io.meshwork.runtime.errors.MeshException.failedPrecondition(
                "NO_CERTIFICATE_AUTHORITY",
                "this orchestrator issues no certificates (set orchestrator.join-ca); join with"
                    + " your own certificate (tls.cert) and no certificate request");
          }

          @Override
          public Optional<String> caCertificate() {
            return Optional.empty();
          }
        };
  }

  /** A certificate and the CA that issued it, both PEM. */
  public record Issued(String certificate, String caCertificate) {}

  /** Gives and takes the executor role at this orchestrator's services. */
  public interface Roles {
    /** {@code did} may now call as an executor. */
    void admit(String did);

    /** {@code did} may no longer call as an executor. */
    void dismiss(String did);
  }

  /** Opens handles to executors by endpoint. */
  public interface Handles {
    /** A handle to the executor at {@code endpoint} (host:port). */
    ExecutorHandle open(String endpoint);
  }

  /** Tells the receipt log which executors this orchestrator vouches for. */
  public interface ReceiptMembers {
    /**
     * Replaces the list the receipt log holds for this orchestrator.
     *
     * @param version counts up with each change; the log ignores an older one
     * @throws RuntimeException when the log cannot be reached (tried again later)
     */
    void publish(List<MemberPeriod> members, long version);
  }
}
