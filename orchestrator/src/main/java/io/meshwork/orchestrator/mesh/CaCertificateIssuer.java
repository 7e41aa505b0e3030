package io.meshwork.orchestrator.mesh;

import io.meshwork.orchestrator.membership.MemberPorts;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.CertificateRequest;
import io.meshwork.runtime.tls.CertificateRequestException;
import java.util.List;
import java.util.Optional;

/**
 * Issues joining executors their TLS certificates from the mesh's CA, by the scheme of docs/TLS.md:
 * the request must name the joiner's DID and carry that DID's proof for the TLS key; the
 * certificate names the DID and the one host the executor registered, nothing else.
 */
public final class CaCertificateIssuer implements MemberPorts.CertificateIssuer {
  private final CertificateAuthority ca;
  private final String caPem;

  /** Issues from {@code ca}. */
  public CaCertificateIssuer(CertificateAuthority ca) {
    this.ca = ca;
    this.caPem = CertificateAuthority.certificatePem(ca.certificate());
  }

  @Override
  public MemberPorts.Issued issue(String requestPem, String did, String host) {
    CertificateRequest.Verified verified;
    try {
      verified = CertificateRequest.fromPem(requestPem).verify();
    } catch (CertificateRequestException | IllegalArgumentException e) {
      throw MeshException.invalidArgument(
              "CERTIFICATE_REQUEST_INVALID",
              "certificate_request is not a valid request bound to a DID: " + e.getMessage())
          .with("field", "certificate_request");
    }
    if (!verified.did().equals(did)) {
      throw MeshException.invalidArgument(
              "CERTIFICATE_REQUEST_INVALID",
              "certificate_request names " + verified.did() + ", not the joiner " + did)
          .with("field", "certificate_request");
    }
    return new MemberPorts.Issued(
        CertificateAuthority.certificatePem(
            ca.issue(verified, List.of(host), CertificateAuthority.SERVICE_VALIDITY)),
        caPem);
  }

  @Override
  public Optional<String> caCertificate() {
    return Optional.of(caPem);
  }
}
