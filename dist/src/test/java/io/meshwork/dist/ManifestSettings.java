package io.meshwork.dist;

import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.meshwork.dist.RenderedManifests.Workload;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.LedgerSettings;
import io.meshwork.orchestrator.OrchestratorSettings;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.runtime.config.HelidonSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The settings a rendered workload starts with: its ConfigMap's file and the MESHWORK_ variables of
 * its environment (values from Secrets stand in as placeholders, a DID where a role list wants
 * one), checked against its service's schema as the service checks them at start.
 */
record ManifestSettings(Map<String, String> values) {
  private static final Map<String, SettingsSchema> SCHEMAS =
      Map.of(
          "orchestrator", OrchestratorSettings.SCHEMA,
          "ledger", LedgerSettings.SCHEMA,
          "receipts", ReceiptSettings.SCHEMA,
          "executor", ExecutorSettings.SCHEMA);

  /** A pod's fields as the test's kubelet answers them. */
  static final Map<String, String> FIELDS =
      Map.of(
          "metadata.name", "meshwork-pod-0",
          "metadata.namespace", "meshwork",
          "status.podIP", "10.244.0.7");

  /**
   * Reads {@code w}'s settings, writing its file under {@code scratch}.
   *
   * @throws AssertionError naming the problems, as the service would refuse to start
   */
  static ManifestSettings of(RenderedManifests m, Workload w, Path scratch) throws IOException {
    String did = Identity.generate().did();
    Map<String, String> env = PodEnvironment.of(w.container(), source -> placeholder(source, did));
    Path file = Files.createTempFile(scratch, w.name(), ".yaml");
    Files.writeString(file, m.settingsFile(w));
    return read(w.service(), file, env, m.overlay() + "/" + w.name());
  }

  /** Reads the settings of {@code service} from {@code file} and {@code env}, and checks them. */
  static ManifestSettings read(String service, Path file, Map<String, String> env, String what) {
    SettingsSchema schema = SCHEMAS.get(service);
    HelidonSettings given = HelidonSettings.load(Optional.of(file), env);
    try {
      schema.check(given);
    } catch (SettingsException e) {
      throw new AssertionError(what + ": the " + service + " would refuse: " + e.getMessage());
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Setting<?> s : schema.settings()) {
      given.find(s.key()).ifPresent(v -> values.put(s.key(), v));
    }
    for (Settings.Entry e : given.entries()) {
      if (!e.variable() && !values.containsKey(e.name())) {
        given.find(e.name()).ifPresent(v -> values.put(e.name(), v));
      }
    }
    return new ManifestSettings(values);
  }

  private static Optional<String> placeholder(EnvVarSource source, String did) {
    if (source.getFieldRef() != null) {
      return Optional.ofNullable(FIELDS.get(source.getFieldRef().getFieldPath()));
    }
    if (source.getConfigMapKeyRef() != null) {
      // Made by the operator, not the manifests: it names people (meshwork-operators).
      return Optional.of(did);
    }
    if (source.getSecretKeyRef() != null) {
      String key = source.getSecretKeyRef().getKey();
      return Optional.of(key.equals("did") ? did : "from-secret-" + key);
    }
    return Optional.empty();
  }
}
