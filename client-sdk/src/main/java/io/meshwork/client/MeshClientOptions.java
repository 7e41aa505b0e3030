package io.meshwork.client;

import io.meshwork.identity.Identity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a {@link MeshClient} connects, who it calls as, and the limits of its calls.
 *
 * <p>Immutable and validated when built. Every setting has a default that reaches a development
 * mesh ({@code meshwork dev}) on this machine, over TLS that trusts the development mesh's CA
 * ({@code ~/.meshwork/dev/tls/ca.pem}); a mesh elsewhere needs its CA named with {@link
 * Builder#caCertificate(Path)} unless its certificates chain to a CA the JDK trusts:
 *
 * <pre>{@code
 * MeshClientOptions options = MeshClientOptions.newBuilder()
 *     .orchestratorTarget("mesh.example.org:50051")
 *     .callDeadline(Duration.ofSeconds(10))
 *     .build();
 * }</pre>
 */
public final class MeshClientOptions {
  /** The orchestrator of a development mesh. */
  public static final String DEFAULT_ORCHESTRATOR_TARGET = "localhost:50051";

  /** The ledger of a development mesh. */
  public static final String DEFAULT_LEDGER_TARGET = "localhost:50052";

  /** The receipt service of a development mesh. */
  public static final String DEFAULT_RECEIPT_TARGET = "localhost:50053";

  /** The largest message sent or received by default: a job carries its module and input. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  /** How long a call may take by default (a result call adds the time it waits for the job). */
  public static final Duration DEFAULT_CALL_DEADLINE = Duration.ofSeconds(30);

  /** The file, under the Meshwork home, that holds the caller's identity. */
  public static final String IDENTITY_FILE = "identity.key";

  /**
   * The CA certificate of the development mesh ({@code meshwork dev}, {@code meshwork demo}) with
   * its default data folder, under the Meshwork home.
   */
  public static final Path DEV_CA_FILE = Path.of("dev", "tls", "ca.pem");

  private final String orchestratorTarget;
  private final String ledgerTarget;
  private final String receiptTarget;
  private final Identity identity;
  private final int maxMessageBytes;
  private final Duration callDeadline;
  private final Optional<Path> caCertificate;
  private final boolean plaintext;

  private MeshClientOptions(Builder builder, Identity identity, Optional<Path> caCertificate) {
    this.orchestratorTarget = builder.orchestratorTarget;
    this.ledgerTarget = builder.ledgerTarget;
    this.receiptTarget = builder.receiptTarget;
    this.identity = identity;
    this.maxMessageBytes = builder.maxMessageBytes;
    this.callDeadline = builder.callDeadline;
    this.caCertificate = caCertificate;
    this.plaintext = builder.plaintext;
  }

  /** Starts options with every default. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns the options with every default, loading or creating the default identity. */
  public static MeshClientOptions defaults() {
    return newBuilder().build();
  }

  /**
   * Returns the folder that holds the caller's identity by default: {@code $MESHWORK_HOME}, or
   * {@code ~/.meshwork} when that is not set.
   */
  public static Path defaultHome() {
    String home = System.getenv("MESHWORK_HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home);
    }
    return Path.of(System.getProperty("user.home"), ".meshwork");
  }

  /** Returns a builder holding these options, to derive changed ones. */
  public Builder toBuilder() {
    return new Builder()
        .orchestratorTarget(orchestratorTarget)
        .ledgerTarget(ledgerTarget)
        .receiptTarget(receiptTarget)
        .identity(identity)
        .maxMessageBytes(maxMessageBytes)
        .callDeadline(callDeadline)
        .caCertificate(caCertificate.orElse(null))
        .plaintext(plaintext);
  }

  /** The orchestrator's {@code ComputeService}, as a gRPC target ({@code host:port}). */
  public String orchestratorTarget() {
    return orchestratorTarget;
  }

  /** The {@code LedgerService}, as a gRPC target. */
  public String ledgerTarget() {
    return ledgerTarget;
  }

  /**
   * The {@code ReceiptService}, as a gRPC target: where receipts and their inclusion proofs are
   * fetched for offline checking.
   */
  public String receiptTarget() {
    return receiptTarget;
  }

  /** The identity every call is signed as. */
  public Identity identity() {
    return identity;
  }

  /** The largest message the client sends or accepts, in bytes. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** How long a single call may take before it fails with {@code DEADLINE_EXCEEDED}. */
  public Duration callDeadline() {
    return callDeadline;
  }

  /**
   * The PEM file of the CA whose certificates the client trusts for the mesh's servers: the one
   * given, else a development mesh's {@code ca.pem} under the home when every target is on this
   * machine and that file exists. Empty means the JDK's default trusted CAs.
   */
  public Optional<Path> caCertificate() {
    return caCertificate;
  }

  /** Whether calls go without TLS: insecure, for a mesh run with {@code tls.plaintext} only. */
  public boolean plaintext() {
    return plaintext;
  }

  @Override
  public String toString() {
    return "MeshClientOptions[orchestrator="
        + orchestratorTarget
        + ", ledger="
        + ledgerTarget
        + ", receipts="
        + receiptTarget
        + ", identity="
        + identity.did()
        + ", maxMessageBytes="
        + maxMessageBytes
        + ", callDeadline="
        + callDeadline
        + (plaintext
            ? ", PLAINTEXT"
            : ", trusting " + caCertificate.map(Path::toString).orElse("the default CAs"))
        + "]";
  }

  /** Collects settings for {@link MeshClientOptions}; not thread-safe. */
  public static final class Builder {
    private String orchestratorTarget = DEFAULT_ORCHESTRATOR_TARGET;
    private String ledgerTarget = DEFAULT_LEDGER_TARGET;
    private String receiptTarget = DEFAULT_RECEIPT_TARGET;
    private Identity identity;
    private Path home;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private Duration callDeadline = DEFAULT_CALL_DEADLINE;
    private Path caCertificate;
    private boolean plaintext;

    private Builder() {}

    /** Sets the orchestrator target ({@code host:port} or any gRPC target string). */
    public Builder orchestratorTarget(String target) {
      this.orchestratorTarget = requireTarget(target, "orchestrator");
      return this;
    }

    /** Sets the ledger target. */
    public Builder ledgerTarget(String target) {
      this.ledgerTarget = requireTarget(target, "ledger");
      return this;
    }

    /** Sets the receipt service target. */
    public Builder receiptTarget(String target) {
      this.receiptTarget = requireTarget(target, "receipt");
      return this;
    }

    /** Signs calls as {@code identity} instead of the one stored under the home folder. */
    public Builder identity(Identity identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      return this;
    }

    /**
     * Sets the folder whose {@code identity.key} holds the identity (created on first use) when no
     * identity is given; defaults to {@link #defaultHome()}.
     */
    public Builder home(Path home) {
      this.home = Objects.requireNonNull(home, "home");
      return this;
    }

    /** Sets the largest message sent or accepted, in bytes (at least 1 KiB). */
    public Builder maxMessageBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("max message size must be at least 1024 bytes");
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /** Sets how long a single call may take (positive). */
    public Builder callDeadline(Duration deadline) {
      Objects.requireNonNull(deadline, "deadline");
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("call deadline must be positive, got " + deadline);
      }
      this.callDeadline = deadline;
      return this;
    }

    /**
     * Trusts the CA certificate(s) in this PEM file for the mesh's servers ({@code --cacert}); null
     * goes back to finding one by itself (see {@link MeshClientOptions#caCertificate()}).
     */
    public Builder caCertificate(Path file) {
      this.caCertificate = file;
      return this;
    }

    /**
     * Calls without TLS when {@code true}. INSECURE: tokens and payloads cross the network in the
     * clear. Only for a mesh started with {@code tls.plaintext} to debug it.
     */
    public Builder plaintext(boolean plaintext) {
      this.plaintext = plaintext;
      return this;
    }

    /**
     * Builds the options; without an explicit identity this loads {@code identity.key} from the
     * home folder, creating it on first use.
     *
     * @throws UncheckedIOException when the identity file cannot be read or written
     */
    public MeshClientOptions build() {
      Path homeDir = home != null ? home : defaultHome();
      if (caCertificate != null && !Files.isRegularFile(caCertificate)) {
        throw new IllegalArgumentException("no CA certificate file at " + caCertificate);
      }
      Identity resolved = identity;
      if (resolved == null) {
        Path file = homeDir.resolve(IDENTITY_FILE);
        try {
          resolved = Identity.loadOrCreate(file);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot load the identity in " + file, e);
        }
      }
      return new MeshClientOptions(this, resolved, trustedCa(homeDir));
    }

    /** The CA file given, else a development mesh's on this machine, else none. */
    private Optional<Path> trustedCa(Path homeDir) {
      if (caCertificate != null) {
        return Optional.of(caCertificate);
      }
      Path dev = homeDir.resolve(DEV_CA_FILE);
      boolean local =
          isLoopback(orchestratorTarget) && isLoopback(ledgerTarget) && isLoopback(receiptTarget);
      return local && Files.isRegularFile(dev) ? Optional.of(dev) : Optional.empty();
    }

    private static boolean isLoopback(String target) {
      String host = target;
      if (host.startsWith("dns:///")) {
        host = host.substring("dns:///".length());
      }
      int colon = host.lastIndexOf(':');
      if (colon > 0 && host.indexOf(':') == colon) {
        host = host.substring(0, colon);
      } else if (host.startsWith("[")) {
        host = host.substring(1, host.indexOf(']'));
      }
      return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static String requireTarget(String target, String what) {
      if (target == null || target.isBlank()) {
        throw new IllegalArgumentException("the " + what + " target must not be empty");
      }
      return target.strip();
    }
  }
}
