package io.meshwork.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A service with settings it cannot use does not start, and says why in one line. */
class ServiceHostSettingsTest {
  @TempDir Path dir;

  private ServiceHost start(Settings settings, AtomicBoolean built) {
    return ServiceHost.start(
        "demo",
        DemoServiceMain.SCHEMA,
        settings,
        ctx -> {
          built.set(true);
          return List::of;
        },
        InProcessServerBuilder.forName(InProcessServerBuilder.generateName()),
        target -> InProcessChannelBuilder.forName(target).build(),
        ServiceMetrics.none(),
        Clock.systemUTC());
  }

  @Test
  void declaredKeysStartTheService() {
    AtomicBoolean built = new AtomicBoolean();
    try (ServiceHost host =
        start(new MapSettings(Map.of("data-dir", dir.toString(), "executor.size", "3")), built)) {
      assertTrue(built.get());
      assertEquals(3, host.context().settings().get(DemoServiceMain.SIZE));
    }
  }

  @Test
  void aMistypedKeyStopsTheServiceBeforeItIsBuilt() {
    AtomicBoolean built = new AtomicBoolean();

    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(Map.of("data-dir", dir.toString(), "executor.sise", "3")),
                    built));

    assertTrue(e.getMessage().contains("'executor.sise'"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'executor.size'?"), e.getMessage());
    assertTrue(!built.get());
    assertTrue(!Files.exists(dir.resolve("demo.key")), "no identity is made either");
  }

  @Test
  void aValueOutOfRangeStopsTheService() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(Map.of("data-dir", dir.toString(), "grpc.port", "70000")),
                    new AtomicBoolean()));

    assertTrue(e.getMessage().startsWith("setting 'grpc.port'"), e.getMessage());
  }

  @Test
  void aRoleListTheServiceDoesNotReadStopsIt() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        Map.of(
                            "data-dir",
                            dir.toString(),
                            "auth.peers",
                            io.meshwork.identity.Identity.generate().did())),
                    new AtomicBoolean()));

    assertTrue(e.getMessage().contains("'auth.peers'"), e.getMessage());
    assertTrue(e.getMessage().contains("not a key that the demo service declares"), e.getMessage());
  }

  @Test
  void aRoleListNamesDids() {
    SettingsSchema withOperators =
        SettingsSchema.of(
            "demo", SharedSettings.ALL, List.of(SharedSettings.AUTH_OPERATORS), List.of());
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                InProcessHost.start(
                    "demo",
                    withOperators,
                    new MapSettings(
                        Map.of("data-dir", dir.toString(), "auth.operators", "alice,bob")),
                    ctx -> List::of));

    assertTrue(e.getMessage().startsWith("setting 'auth.operators'"), e.getMessage());
    assertTrue(e.getMessage().contains("each a did:key DID"), e.getMessage());
  }

  @Test
  void aReplayQuotaAboveItsCapacityStopsTheService() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () ->
                start(
                    new MapSettings(
                        Map.of(
                            "data-dir",
                            dir.toString(),
                            "auth.replay.user-capacity",
                            "100",
                            "auth.replay.user-quota",
                            "101")),
                    new AtomicBoolean()));

    assertTrue(
        e.getMessage().startsWith("setting 'auth.replay.user-quota' is 101"), e.getMessage());
    assertTrue(e.getMessage().contains("auth.replay.user-capacity (100)"), e.getMessage());
  }

  @Test
  void aSchemaWithoutTheSharedKeysIsAProgrammingError() {
    SettingsSchema own = SettingsSchema.of("demo", List.of(DemoServiceMain.SIZE));

    assertThrows(
        IllegalArgumentException.class,
        () -> InProcessHost.start("demo", own, new MapSettings(Map.of()), ctx -> List::of));
  }

  @Test
  void mainStopsWithOneLineAndStatusTwoOnAMistypedKey() throws Exception {
    Run run = main(Map.of(), "--set", "data-dir=" + dir, "--set", "executor.sise=3");

    assertEquals(2, run.status());
    assertEquals(
        List.of(
            "meshwork: demo: unknown setting: 'executor.sise' (from --set) is not a key that the"
                + " demo service declares; did you mean 'executor.size'?"),
        run.stderr());
  }

  @Test
  void mainStopsOnAMistypedKeyInTheFileOrTheEnvironment() throws Exception {
    Path yaml = dir.resolve("demo.yaml");
    Files.writeString(yaml, "grpc:\n  prot: 50099\n");

    Run file = main(Map.of(), "--config", yaml.toString(), "--set", "data-dir=" + dir);
    Run variable =
        main(
            Map.of("MESHWORK_EXECUTOR_SIZ", "3", "MESHWORK_HOME", dir.toString()),
            "--set",
            "data-dir=" + dir);

    assertEquals(2, file.status());
    assertEquals(1, file.stderr().size(), file.stderr().toString());
    assertTrue(
        file.stderr().get(0).contains("'grpc.prot' (from the file " + yaml + ")"),
        file.stderr().toString());
    assertTrue(file.stderr().get(0).contains("did you mean 'grpc.port'?"));
    assertEquals(2, variable.status());
    assertEquals(
        List.of(
            "meshwork: demo: unknown setting: the environment variable MESHWORK_EXECUTOR_SIZ"
                + " names no key that the demo service declares; did you mean"
                + " MESHWORK_EXECUTOR_SIZE (executor.size)?"),
        variable.stderr());
  }

  @Test
  void mainStopsWithOneLineOnAValueOutOfRange() throws Exception {
    Run run = main(Map.of(), "--set", "data-dir=" + dir, "--set", "executor.size=0");

    assertEquals(2, run.status());
    assertEquals(
        List.of(
            "meshwork: demo: setting 'executor.size' has the invalid value '0' (from --set);"
                + " allowed: an integer, at least 1"),
        run.stderr());
  }

  private record Run(int status, List<String> stderr) {}

  private Run main(Map<String, String> environment, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(DemoServiceMain.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    // The test's own MESHWORK_ variables, if any, must not decide the outcome.
    Map<String, String> env = builder.environment();
    new HashMap<>(env)
        .keySet().stream().filter(k -> k.startsWith("MESHWORK_")).forEach(env::remove);
    env.putAll(environment);
    Path err = dir.resolve("stderr-" + System.nanoTime() + ".txt");
    Process p =
        builder.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the demo service started instead of stopping");
    }
    List<String> lines =
        Files.readAllLines(err).stream().filter(l -> !l.startsWith("WARNING:")).toList();
    return new Run(p.exitValue(), lines);
  }
}
