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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings a rendered workload starts with: its ConfigMap's file and the MESHWORK_ variables of
 * its environment (values from Secrets stand in as placeholders, a DID where a role list wants
 * one), checked against its service's schema as the service checks them at start.
 *
 * <p>The cluster overlay also sets the orchestrator's Kubernetes, scaling and PostgreSQL journal
 * keys, which other parts of issue 17 declare. Until the schema declares any key under one of
 * {@link #PENDING}, those keys are left out of the check; once it does, they are checked like any.
 */
record ManifestSettings(Map<String, String> values) {
  static final List<String> PENDING =
      List.of(
          "orchestrator.kubernetes",
          "orchestrator.scale.",
          "orchestrator.store",
          "orchestrator.postgres.");

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
    Settings checked = withoutPending(given, schema);
    try {
      schema.check(checked);
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

  /** {@code given} without the keys of a pending family the schema does not declare yet. */
  private static Settings withoutPending(HelidonSettings given, SettingsSchema schema) {
    List<String> waiting =
        PENDING.stream()
            .filter(p -> schema.settings().stream().noneMatch(s -> s.key().startsWith(p)))
            .toList();
    return new Settings() {
      @Override
      public Optional<String> find(String key) {
        return given.find(key);
      }

      @Override
      public List<Entry> entries() {
        return given.entries().stream().filter(e -> !pending(e, waiting)).toList();
      }
    };
  }

  private static boolean pending(Settings.Entry e, List<String> waiting) {
    for (String prefix : waiting) {
      String variable = HelidonSettings.environmentName(prefix.replaceAll("\\.$", ""));
      if (e.variable() ? e.name().startsWith(variable) : e.name().startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
