package io.meshwork.runtime;

import io.meshwork.runtime.config.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The keys every service reads through {@link ServiceHost} and {@link ServiceContext}: where it
 * serves, its files and key, who its peers and operators are, and how it stops. Each deployable's
 * schema is these plus its own.
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

  /** The DIDs of the mesh's services. */
  public static final Setting<List<String>> AUTH_SERVICE_DIDS =
      Setting.list(
          "auth.service-dids",
          "The did:keys of the mesh's services, allowed the internal calls; the service's own is"
              + " always one.");

  /** The DIDs of the mesh's operators. */
  public static final Setting<List<String>> AUTH_OPERATOR_DIDS =
      Setting.list(
          "auth.operator-dids", "The did:keys of operators, allowed the operator calls (Mint).");

  /** How long in-flight calls may take to finish at stop. */
  public static final Setting<Duration> SHUTDOWN_GRACE =
      Setting.duration(
              "shutdown.grace",
              Duration.ofSeconds(10),
              "How long calls in flight may take to finish when the service stops.")
          .atLeast(Duration.ZERO);

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
          ADMIN_HOST,
          ADMIN_PORT,
          DATA_DIR,
          IDENTITY_FILE,
          AUTH_SERVICE_DIDS,
          AUTH_OPERATOR_DIDS,
          SHUTDOWN_GRACE,
          MESH_DEV_MODE);

  private SharedSettings() {}
}
