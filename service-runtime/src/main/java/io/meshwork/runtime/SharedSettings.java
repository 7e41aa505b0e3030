package io.meshwork.runtime;

import io.meshwork.identity.DidKey;
import io.meshwork.identity.ReplayLimits;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.config.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keys every service reads through {@link ServiceHost} and {@link ServiceContext}: where it
 * serves, its files and key, its TLS, how much it remembers against token replay, and how it stops;
 * and the lists of who is in which role, which each service takes only as far as it needs them.
 * Each deployable's schema is {@link #ALL}, the {@link #ROLES} lists it needs, and its own keys.
 */
public final class SharedSettings {
  /** The address the gRPC server binds to. */
  public static final Setting<String> GRPC_HOST =
      Setting.string("grpc.host", "127.0.0.1", "The address the gRPC server binds to.");

  /** The gRPC port. */
  public static final Setting<Integer> GRPC_PORT =
      Setting.integer("grpc.port", 0, "The gRPC port; 0 takes a free one.").between(0, 65_535);

  /** Largest gRPC message sent or accepted. */
  public static final Setting<Integer> GRPC_MAX_MESSAGE_BYTES =
      Setting.integer(
              "grpc.max-message-bytes",
              64 * 1024 * 1024,
              "The largest gRPC message the service sends or accepts, in bytes.")
          .atLeast(1);

  /** A plaintext port that serves health checks and nothing else. */
  public static final Setting<Integer> GRPC_HEALTH_PORT =
      Setting.integer(
              "grpc.health-port",
              -1,
              "A plaintext port that serves grpc.health.v1 and nothing else, for probes that cannot"
                  + " speak TLS (Kubernetes gRPC probes); 0 takes a free one, -1 turns it off.")
          .between(-1, 65_535);

  /** The address other services reach this one at. */
  public static final Setting<Optional<String>> GRPC_ADVERTISE =
      Setting.optionalString(
          "grpc.advertise",
          "grpc.host:the bound port",
          "The host:port other services reach this one at, e.g. where executors deliver results.");

  /** The address the admin port binds to. */
  public static final Setting<String> ADMIN_HOST =
      Setting.string(
          "admin.host",
          "grpc.host",
          s -> s.get(GRPC_HOST),
          "The address the admin HTTP port binds to.");

  /** The admin HTTP port. */
  public static final Setting<Integer> ADMIN_PORT =
      Setting.integer(
              "admin.port",
              -1,
              "The admin HTTP port (/observe/health, /observe/metrics); 0 takes a free one, -1"
                  + " turns it off.")
          .between(-1, 65_535);

  /** The folder of the service's files. */
  public static final Setting<Path> DATA_DIR =
      Setting.path(
          "data-dir",
          Path.of(".meshwork-data"),
          "The folder of the service's files: its database and, unless identity.file says"
              + " otherwise, its key.");

  /** The service's key file. */
  public static final Setting<Optional<Path>> IDENTITY_FILE =
      Setting.optionalPath(
          "identity.file",
          "data-dir/SERVICE.key",
          "The file of the service's Ed25519 key, created on first start; its did:key is the"
              + " service's identity.");

  /** How many live token ids a service remembers for callers without a configured role. */
  public static final Setting<Integer> AUTH_REPLAY_USER_CAPACITY =
      Setting.integer(
              "auth.replay.user-capacity",
              ReplayLimits.USERS.capacity(),
              "How many live token ids the service remembers against replay for users (callers"
                  + " with no configured role); when full, users are refused with"
                  + " REPLAY_CAPACITY.")
          .atLeast(ReplayLimits.MIN_CAPACITY);

  /** How many live token ids one user may have at a service. */
  public static final Setting<Integer> AUTH_REPLAY_USER_QUOTA =
      Setting.integer(
              "auth.replay.user-quota",
              ReplayLimits.USERS.perCallerQuota(),
              "How many live tokens one user may have at the service; one more is refused with"
                  + " REPLAY_QUOTA until one expires.")
          .atLeast(1);

  /** How many live token ids a service remembers for callers in a configured role. */
  public static final Setting<Integer> AUTH_REPLAY_PARTY_CAPACITY =
      Setting.integer(
              "auth.replay.party-capacity",
              ReplayLimits.PARTIES.capacity(),
              "How many live token ids the service remembers against replay for callers in a"
                  + " configured role (auth.operators, auth.orchestrators, ...), apart from users.")
          .atLeast(ReplayLimits.MIN_CAPACITY);

  /** How many live token ids one caller in a configured role may have at a service. */
  public static final Setting<Integer> AUTH_REPLAY_PARTY_QUOTA =
      Setting.integer(
              "auth.replay.party-quota",
              ReplayLimits.PARTIES.perCallerQuota(),
              "How many live tokens one caller in a configured role may have at the service; one"
                  + " more is refused with REPLAY_QUOTA until one expires.")
          .atLeast(1);

  /** The DIDs of the mesh's operators. */
  public static final Setting<List<String>> AUTH_OPERATORS =
      roleList(
          "auth.operators",
          "The did:keys of operators: they mint mana, read and move any account, and see and"
              + " cancel every job.");

  /** The DIDs of the orchestrators a service works for. */
  public static final Setting<List<String>> AUTH_ORCHESTRATORS =
      roleList(
          "auth.orchestrators",
          "The did:keys of the orchestrators the service works for: they hold and pay mana (at the"
              + " ledger), anchor receipts (at the receipt log), and announce and assign tasks (at"
              + " an executor).");

  /** The DIDs of the executors that are members of the mesh. */
  public static final Setting<List<String>> AUTH_EXECUTORS =
      roleList(
          "auth.executors",
          "The did:keys of the executors that are members of the mesh: they return results and"
              + " fetch modules (at an orchestrator), and sign the receipts the receipt log"
              + " accepts.");

  /** The DIDs of an orchestrator's peers. */
  public static final Setting<List<String>> AUTH_PEERS =
      roleList(
          "auth.peers",
          "The did:keys of the peer orchestrators that may delegate tasks to this one and return"
              + " the results of tasks it delegated.");

  private static Setting<List<String>> roleList(String key, String meaning) {
    return Setting.list(key, meaning)
        .check(dids -> dids.stream().allMatch(DidKey::isDidKey), "each a did:key DID");
  }

  /** How long in-flight calls may take to finish at stop. */
  public static final Setting<Duration> SHUTDOWN_GRACE =
      Setting.duration(
              "shutdown.grace",
              Duration.ofSeconds(10),
              "How long calls in flight may take to finish when the service stops.")
          .atLeast(Duration.ZERO);

  /** No TLS at all, for debugging. */
  public static final Setting<Boolean> TLS_PLAINTEXT =
      Setting.flag(
          "tls.plaintext",
          false,
          "INSECURE, for debugging only: serve and call other services without TLS, so that"
              + " anyone on the path reads tokens and payloads, and services are known by"
              + " bearer tokens alone.");

  /** The service's certificate chain. */
  public static final Setting<Optional<Path>> TLS_CERT =
      Setting.optionalPath(
          "tls.cert",
          "issued at start by the development CA",
          "The PEM certificate chain of the service's TLS key, leaf first; the leaf names the"
              + " service's did:key as its URI subject alternative name. With tls.key and tls.ca.");

  /** The private key of the service's certificate. */
  public static final Setting<Optional<Path>> TLS_KEY =
      Setting.optionalPath(
          "tls.key", "(none)", "The PEM private key of tls.cert (PKCS#8, or SEC1 EC PRIVATE KEY).");

  /** The CA of the mesh's certificates. */
  public static final Setting<Optional<Path>> TLS_CA =
      Setting.optionalPath(
          "tls.ca",
          "(none)",
          "The PEM certificate(s) of the CA that issues the mesh's certificates: the services this"
              + " one calls, and the services that call it with a certificate, must chain to it.");

  /** The development CA's folder. */
  public static final Setting<Optional<Path>> TLS_DEV_CA =
      Setting.optionalPath(
          "tls.dev-ca",
          "data-dir/tls",
          "Without tls.cert: the folder of the development CA (ca.pem, ca.key; created on first"
              + " use) that issues the service a certificate for localhost at start.");

  /** Whether the mesh runs in development mode. */
  public static final Setting<Boolean> MESH_DEV_MODE =
      Setting.flag(
          "mesh.dev-mode",
          false,
          "Development mode: the ledger grants new accounts ledger.dev-grant mana.");

  /** Every shared key, in the order the documentation lists them. */
  public static final List<Setting<?>> ALL =
      List.of(
          GRPC_HOST,
          GRPC_PORT,
          GRPC_MAX_MESSAGE_BYTES,
          GRPC_ADVERTISE,
          GRPC_HEALTH_PORT,
          ADMIN_HOST,
          ADMIN_PORT,
          DATA_DIR,
          IDENTITY_FILE,
          AUTH_REPLAY_USER_CAPACITY,
          AUTH_REPLAY_USER_QUOTA,
          AUTH_REPLAY_PARTY_CAPACITY,
          AUTH_REPLAY_PARTY_QUOTA,
          SHUTDOWN_GRACE,
          TLS_PLAINTEXT,
          TLS_CERT,
          TLS_KEY,
          TLS_CA,
          TLS_DEV_CA,
          MESH_DEV_MODE);

  /**
   * The list of each role a service may be configured with. They are declared here, once, but no
   * service reads them all: each adds to its schema the lists of the roles its access table names
   * (docs/AUTH.md says which), and {@link ServiceHost} reads those.
   */
  public static final Map<Role, Setting<List<String>>> ROLE_LISTS =
      Collections.unmodifiableMap(
          new EnumMap<>(
              Map.of(
                  Role.OPERATOR,
                  AUTH_OPERATORS,
                  Role.ORCHESTRATOR,
                  AUTH_ORCHESTRATORS,
                  Role.EXECUTOR,
                  AUTH_EXECUTORS,
                  Role.PEER,
                  AUTH_PEERS)));

  /** Every role list, in the order the documentation lists them. */
  public static final List<Setting<?>> ROLES =
      List.of(AUTH_OPERATORS, AUTH_ORCHESTRATORS, AUTH_EXECUTORS, AUTH_PEERS);

  private SharedSettings() {}
}
