package io.meshwork.executor.membership;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How this executor joins an orchestrator ({@code executor.join} and the keys beside it), checked
 * once at start.
 *
 * @param orchestrator the orchestrator's host:port
 * @param token the join token, when admission asks for one (not needed to rejoin)
 * @param endpoint the host:port the orchestrator calls this executor back at
 * @param trusted the PEM file of the CA the orchestrator's certificate must chain to
 * @param ownCertificate whether the operator gave this executor its certificate ({@code tls.cert}),
 *     so that the join asks for none
 * @param heartbeatTimeout how long without an answer to a heartbeat before the stream is dropped
 *     and the executor joins again; empty for the orchestrator's lost timeout
 */
public record JoinOptions(
    String orchestrator,
    Optional<String> token,
    String endpoint,
    Path trusted,
    boolean ownCertificate,
    Optional<Duration> heartbeatTimeout) {}
