package io.meshwork.dist;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The objects {@code kubectl kustomize k8s/overlays/OVERLAY} renders, read with fabric8's typed
 * model, and the workloads among them: each Deployment and StatefulSet with its one container, its
 * Service and the settings file its ConfigMap holds.
 */
final class RenderedManifests {
  /** The repository's k8s folder, from the dist module where the tests run. */
  static final Path K8S = Path.of("..", "k8s");

  /** Where every workload mounts its settings ConfigMap, and the file it names with --config. */
  static final String SETTINGS_FILE = "meshwork.yaml";

  /** One Deployment or StatefulSet: its pod template, its one container, its volume claims. */
  record Workload(
      String kind,
      ObjectMeta metadata,
      int replicas,
      PodTemplateSpec template,
      List<PersistentVolumeClaim> claims) {
    String name() {
      return metadata.getName();
    }

    Container container() {
      List<Container> containers = template.getSpec().getContainers();
      if (containers.size() != 1) {
        throw new AssertionError(name() + " has " + containers.size() + " containers, not one");
      }
      return containers.get(0);
    }

    /** The service it serves: the argument after {@code serve}. */
    String service() {
      List<String> args = container().getArgs();
      if (args.size() < 2 || !args.get(0).equals("serve")) {
        throw new AssertionError(name() + ": its args are not 'serve SERVICE ...': " + args);
      }
      return args.get(1);
    }

    Optional<Volume> volume(String name) {
      return template.getSpec().getVolumes().stream()
          .filter(v -> v.getName().equals(name))
          .findFirst();
    }
  }

  private final String overlay;
  private final List<HasMetadata> objects;

  private RenderedManifests(String overlay, List<HasMetadata> objects) {
    this.overlay = overlay;
    this.objects = objects;
  }

  /**
   * Renders {@code k8s/overlays/OVERLAY} with {@code kubectl kustomize}; fails with a message
   * saying so when kubectl is not installed.
   */
  static RenderedManifests render(String overlay) throws IOException, InterruptedException {
    RenderedManifests known = RENDERED.get(overlay);
    if (known != null) {
      return known;
    }
    RenderedManifests made = renderNow(overlay);
    RENDERED.put(overlay, made);
    return made;
  }

  // The files do not change while the tests run; each overlay is rendered once.
  private static final java.util.Map<String, RenderedManifests> RENDERED =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static RenderedManifests renderNow(String overlay)
      throws IOException, InterruptedException {
    Path dir = K8S.resolve("overlays").resolve(overlay);
    Process kubectl;
    try {
      kubectl =
          new ProcessBuilder("kubectl", "kustomize", dir.toString())
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "kubectl is not installed (or not on the PATH): the Kubernetes manifests' tests render"
              + " k8s/overlays/"
              + overlay
              + " with `kubectl kustomize`. Install kubectl (Debian: apt-get install kubectl, or"
              + " kubernetes-client) and run the tests again. ("
              + e.getMessage()
              + ")",
          e);
    }
    byte[] out = kubectl.getInputStream().readAllBytes();
    String err = new String(kubectl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!kubectl.waitFor(60, TimeUnit.SECONDS) || kubectl.exitValue() != 0) {
      throw new AssertionError("kubectl kustomize " + dir + " failed:\n" + err);
    }
    Object parsed = new KubernetesSerialization().unmarshal(new ByteArrayInputStream(out));
    @SuppressWarnings("unchecked")
    List<HasMetadata> objects =
        parsed instanceof List<?> list ? (List<HasMetadata>) list : List.of((HasMetadata) parsed);
    return new RenderedManifests(overlay, objects);
  }

  String overlay() {
    return overlay;
  }

  List<HasMetadata> objects() {
    return objects;
  }

  /** The objects of {@code type}. */
  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The one object of {@code type} named {@code name}. */
  <T extends HasMetadata> T named(Class<T> type, String name) {
    return all(type).stream()
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError(overlay + ": no " + type.getSimpleName() + " " + name));
  }

  /** Every Deployment and StatefulSet. */
  List<Workload> workloads() {
    List<Workload> deployments =
        all(Deployment.class).stream()
            .map(
                d ->
                    new Workload(
                        "Deployment",
                        d.getMetadata(),
                        d.getSpec().getReplicas(),
                        d.getSpec().getTemplate(),
                        List.of()))
            .toList();
    List<Workload> statefulSets =
        all(StatefulSet.class).stream()
            .map(
                s ->
                    new Workload(
                        "StatefulSet",
                        s.getMetadata(),
                        s.getSpec().getReplicas(),
                        s.getSpec().getTemplate(),
                        s.getSpec().getVolumeClaimTemplates() == null
                            ? List.of()
                            : s.getSpec().getVolumeClaimTemplates()))
            .toList();
    return java.util.stream.Stream.concat(deployments.stream(), statefulSets.stream()).toList();
  }

  /** The workload named {@code name}. */
  Workload workload(String name) {
    return workloads().stream()
        .filter(w -> w.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(overlay + ": no workload " + name));
  }

  /** The Service named as the workload is. */
  Service service(Workload w) {
    return named(Service.class, w.name());
  }

  /**
   * The settings file {@code w} runs with: the ConfigMap of the volume mounted where its {@code
   * --config} argument points, and the file in it.
   */
  String settingsFile(Workload w) {
    String path = configPath(w);
    var mount =
        w.container().getVolumeMounts().stream()
            .filter(m -> path.equals(m.getMountPath() + "/" + SETTINGS_FILE))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError(w.name() + ": nothing is mounted at --config " + path));
    Volume volume = w.volume(mount.getName()).orElseThrow();
    if (volume.getConfigMap() == null) {
      throw new AssertionError(w.name() + ": " + path + " is not from a ConfigMap");
    }
    ConfigMap map = named(ConfigMap.class, volume.getConfigMap().getName());
    String text = map.getData().get(SETTINGS_FILE);
    if (text == null) {
      throw new AssertionError(map.getMetadata().getName() + " holds no " + SETTINGS_FILE);
    }
    return text;
  }

  /** The file {@code w}'s {@code --config} argument names. */
  static String configPath(Workload w) {
    List<String> args = w.container().getArgs();
    int at = args.indexOf("--config");
    if (at < 0 || at + 1 >= args.size()) {
      throw new AssertionError(w.name() + ": no --config FILE in its args " + args);
    }
    return args.get(at + 1);
  }
}
