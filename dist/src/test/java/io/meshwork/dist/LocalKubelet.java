package io.meshwork.dist;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.meshwork.dist.RenderedManifests.Workload;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Runs one rendered pod as a local process, the way a kubelet and container runtime would: in the
 * network namespace of its test host, whose {@code /etc/netns/NS/hosts} names each Service's pod;
 * in a mount namespace of its own, with every volume bound where the manifest mounts it (ConfigMaps
 * and Secrets written to a temporary folder, emptyDirs and volume claims as empty folders,
 * read-only where the manifest says) and the root file system read-only; with the container's
 * environment (references resolved, the pod's fields from the Downward API) and nothing else;
 * running the image's entrypoint (from dist's Jib configuration, this JDK and class path standing
 * in for the image's) with the container's arguments. A container that exits is started again.
 */
final class LocalKubelet {
  /** What the operator made before applying the manifests: Secret name, then key and bytes. */
  private final Map<String, Map<String, byte[]>> secrets;

  private final RenderedManifests manifests;
  private final Path root;
  private final List<Path> madeMountPoints = new ArrayList<>();

  LocalKubelet(RenderedManifests manifests, Map<String, Map<String, byte[]>> secrets, Path root) {
    this.manifests = manifests;
    this.secrets = secrets;
    this.root = root;
  }

  /** One pod: its host, its command line and the log its container writes. */
  final class Pod {
    final Workload workload;
    final String name;
    final TestSubnet.Host host;
    final List<String> command;
    final Map<String, String> env;
    final Path log;
    final Map<String, Path> volumes;
    Process process;
    int restarts;

    Pod(Workload workload, String name, TestSubnet.Host host) throws IOException {
      this.workload = workload;
      this.name = name;
      this.host = host;
      this.log = root.resolve(name + ".log");
      this.volumes = volumes(workload, name);
      this.env = environment(workload, name, host.address());
      this.command = command(workload, volumes, host);
    }

    /** Starts the container, or starts it again after it exited. */
    void start() throws IOException {
      ProcessBuilder b =
          new ProcessBuilder(command)
              .directory(new File("/"))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      b.environment().clear();
      b.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      b.environment().putAll(env);
      process = b.start();
    }

    /** restartPolicy Always: a container that exited is started again. */
    void keepRunning() throws IOException {
      if (!process.isAlive()) {
        restarts++;
        start();
      }
    }

    /** The folder standing for the volume named {@code volume}. */
    Path volume(String volume) {
      return volumes.get(volume);
    }

    String log() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    void stop() {
      if (process == null) {
        return;
      }
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }

  /** The pod of {@code w} called {@code name} on {@code host}, not yet started. */
  Pod pod(Workload w, String name, TestSubnet.Host host) throws IOException {
    return new Pod(w, name, host);
  }

  /** Writes the hosts file of {@code host}'s namespace: each Service's name at its pod. */
  static void hosts(TestSubnet.Host host, Map<String, String> services) throws IOException {
    Path dir = Path.of("/etc/netns", host.namespace());
    Files.createDirectories(dir);
    StringBuilder text = new StringBuilder("127.0.0.1 localhost\n");
    services.forEach((name, ip) -> text.append(ip).append(' ').append(name).append('\n'));
    Files.writeString(dir.resolve("hosts"), text.toString());
  }

  /** Removes the hosts file of {@code host}'s namespace. */
  static void removeHosts(TestSubnet.Host host) {
    Path dir = Path.of("/etc/netns", host.namespace());
    try {
      Files.deleteIfExists(dir.resolve("hosts"));
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // Best effort: an empty folder left under /etc/netns harms nothing.
    }
  }

  /** Removes the mount points this kubelet had to make (empty folders). */
  void removeMountPoints() {
    for (Path p : madeMountPoints.reversed()) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // Not empty, or gone: left as it is.
      }
    }
  }

  private Map<String, Path> volumes(Workload w, String pod) throws IOException {
    Map<String, Path> made = new java.util.LinkedHashMap<>();
    for (VolumeMount mount : w.container().getVolumeMounts()) {
      Path folder = Files.createDirectories(root.resolve(pod).resolve(mount.getName()));
      Optional<Volume> volume = w.volume(mount.getName());
      boolean claim =
          w.claims().stream().anyMatch(c -> c.getMetadata().getName().equals(mount.getName()));
      if (claim || volume.map(v -> v.getEmptyDir() != null).orElse(false)) {
        made.put(mount.getName(), folder);
        continue;
      }
      Volume v =
          volume.orElseThrow(() -> new AssertionError(pod + ": no volume " + mount.getName()));
      if (v.getConfigMap() != null) {
        ConfigMap map = manifests.named(ConfigMap.class, v.getConfigMap().getName());
        Map<String, byte[]> data = new java.util.LinkedHashMap<>();
        map.getData().forEach((k, text) -> data.put(k, text.getBytes(StandardCharsets.UTF_8)));
        project(data, v.getConfigMap().getItems(), folder);
      } else if (v.getSecret() != null) {
        Map<String, byte[]> data = secrets.get(v.getSecret().getSecretName());
        if (data == null) {
          throw new AssertionError(
              pod + ": the Secret " + v.getSecret().getSecretName() + " is missing");
        }
        project(data, v.getSecret().getItems(), folder);
      } else {
        throw new AssertionError(pod + ": the test cannot stand in for the volume " + v);
      }
      made.put(mount.getName(), folder);
    }
    return made;
  }

  private static void project(Map<String, byte[]> data, List<KeyToPath> items, Path folder)
      throws IOException {
    if (items == null || items.isEmpty()) {
      for (Map.Entry<String, byte[]> e : data.entrySet()) {
        Files.write(folder.resolve(e.getKey()), e.getValue());
      }
      return;
    }
    for (KeyToPath item : items) {
      byte[] bytes = data.get(item.getKey());
      if (bytes == null) {
        throw new AssertionError("no key " + item.getKey() + " to project as " + item.getPath());
      }
      Files.write(folder.resolve(item.getPath()), bytes);
    }
  }

  private Map<String, String> environment(Workload w, String pod, String podIp) {
    Map<String, String> fields =
        Map.of(
            "metadata.name", pod,
            "metadata.namespace", w.metadata().getNamespace(),
            "status.podIP", podIp);
    return PodEnvironment.of(w.container(), source -> resolve(source, fields));
  }

  private Optional<String> resolve(EnvVarSource source, Map<String, String> fields) {
    if (source.getFieldRef() != null) {
      return Optional.ofNullable(fields.get(source.getFieldRef().getFieldPath()));
    }
    if (source.getSecretKeyRef() != null) {
      return Optional.ofNullable(secrets.get(source.getSecretKeyRef().getName()))
          .map(s -> s.get(source.getSecretKeyRef().getKey()))
          .map(b -> new String(b, StandardCharsets.UTF_8));
    }
    if (source.getConfigMapKeyRef() != null) {
      return manifests.all(ConfigMap.class).stream()
          .filter(c -> c.getMetadata().getName().equals(source.getConfigMapKeyRef().getName()))
          .findFirst()
          .map(c -> c.getData().get(source.getConfigMapKeyRef().getKey()));
    }
    throw new AssertionError("the test cannot resolve " + source);
  }

  /**
   * {@code ip netns exec NS sh -c 'mount ...; exec "$@"' ENTRYPOINT ARGS}: the mounts, then the
   * container's process in their place.
   */
  private List<String> command(Workload w, Map<String, Path> folders, TestSubnet.Host host)
      throws IOException {
    StringBuilder script = new StringBuilder("set -e\n");
    for (VolumeMount mount : w.container().getVolumeMounts()) {
      Path target = Path.of(mount.getMountPath());
      makeMountPoint(target);
      script.append("mount --bind '").append(folders.get(mount.getName())).append("' '");
      script.append(target).append("'\n");
      if (Boolean.TRUE.equals(mount.getReadOnly())) {
        script.append("mount -o remount,bind,ro '").append(target).append("'\n");
      }
    }
    if (Boolean.TRUE.equals(w.container().getSecurityContext().getReadOnlyRootFilesystem())) {
      script.append("mount -o remount,bind,ro /\n");
    }
    script.append("exec \"$@\"\n");
    List<String> command = new ArrayList<>();
    command.addAll(List.of("ip", "netns", "exec", host.namespace(), "sh", "-c", script.toString()));
    command.add("sh");
    command.addAll(entrypoint());
    command.addAll(w.container().getArgs());
    return command;
  }

  private void makeMountPoint(Path target) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path p = target; p != null && !Files.exists(p); p = p.getParent()) {
      missing.add(0, p);
    }
    for (Path p : missing) {
      Files.createDirectory(p);
      madeMountPoints.add(p);
    }
  }

  /**
   * The image's entrypoint as dist's pom gives it to Jib, with this JDK's {@code java} for {@code
   * java} and this test's class path for the image's class path file.
   */
  static List<String> entrypoint() {
    try {
      var pom =
          DocumentBuilderFactory.newInstance()
              .newDocumentBuilder()
              .parse(Path.of("pom.xml").toFile());
      NodeList plugins = pom.getElementsByTagName("plugin");
      for (int i = 0; i < plugins.getLength(); i++) {
        Element plugin = (Element) plugins.item(i);
        if (!text(plugin, "artifactId").equals("jib-maven-plugin")) {
          continue;
        }
        Element entrypoint = (Element) plugin.getElementsByTagName("entrypoint").item(0);
        List<String> args = new ArrayList<>();
        NodeList list = entrypoint.getElementsByTagName("arg");
        for (int k = 0; k < list.getLength(); k++) {
          args.add(list.item(k).getTextContent().strip());
        }
        return args.stream().flatMap(a -> standIn(a).stream()).toList();
      }
      throw new AssertionError("dist/pom.xml configures no jib-maven-plugin");
    } catch (Exception e) {
      throw new AssertionError("cannot read the image's entrypoint from dist/pom.xml", e);
    }
  }

  private static List<String> standIn(String arg) {
    if (arg.equals("java")) {
      // This JDK's java, with the client JIT only, as every service JVM of the tests runs (see
      // TestJvm): a JIT option, not a setting of the manifests.
      return List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1");
    }
    if (arg.equals("@/app/jib-classpath-file")) {
      return List.of(
          java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
              .map(p -> Path.of(p).toAbsolutePath().toString())
              .reduce((a, b) -> a + File.pathSeparator + b)
              .orElseThrow());
    }
    return List.of(arg);
  }

  private static String text(Element parent, String tag) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        return e.getTextContent().strip();
      }
    }
    return "";
  }
}
