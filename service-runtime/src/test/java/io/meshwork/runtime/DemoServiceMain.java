package io.meshwork.runtime;

import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.SettingsSchema;
import java.util.List;

/** A deployable with one key of its own and no gRPC service, run as a process by the tests. */
final class DemoServiceMain {
  static final Setting<Integer> SIZE =
      Setting.integer("executor.size", 1, "A size of the demo's own.").atLeast(1);

  static final SettingsSchema SCHEMA = SettingsSchema.of("demo", SharedSettings.ALL, List.of(SIZE));

  private DemoServiceMain() {}

  public static void main(String[] args) {
    ServiceHost.main("demo", SCHEMA, args, ctx -> List::of);
  }
}
