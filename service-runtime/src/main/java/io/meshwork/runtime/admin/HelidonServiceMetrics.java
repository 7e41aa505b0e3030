package io.meshwork.runtime.admin;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;
import io.meshwork.runtime.ServiceMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * {@link ServiceMetrics} on Helidon's meter registry, every meter tagged with the service name.
 *
 * <p>The registry is JVM-wide, and the development mesh runs several services in one JVM, so the
 * {@code service} tag is what keeps their figures apart on a shared scrape.
 */
public final class HelidonServiceMetrics implements ServiceMetrics {
  private final MeterRegistry registry;
  private final String service;

  /** Metrics of {@code service} in the JVM's registry. */
  public HelidonServiceMetrics(String service) {
    this.registry = Services.get(MeterRegistry.class);
    this.service = service;
  }

  MeterRegistry registry() {
    return registry;
  }

  @Override
  public ServiceMetrics.Counter counter(String name, String description, String... tags) {
    io.helidon.metrics.api.Counter c =
        registry.getOrCreate(
            io.helidon.metrics.api.Counter.builder(name).description(description).tags(tags(tags)));
    return c::increment;
  }

  @Override
  public ServiceMetrics.Timer timer(String name, String description, String... tags) {
    io.helidon.metrics.api.Timer t =
        registry.getOrCreate(
            io.helidon.metrics.api.Timer.builder(name).description(description).tags(tags(tags)));
    return nanos -> t.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void gauge(String name, String description, DoubleSupplier value) {
    registry.getOrCreate(
        Gauge.builder(name, value, DoubleSupplier::getAsDouble)
            .description(description)
            .tags(tags(new String[0])));
  }

  private List<Tag> tags(String[] pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException("tags come in name/value pairs");
    }
    List<Tag> tags = new ArrayList<>();
    tags.add(Tag.create("service", service));
    for (int i = 0; i < pairs.length; i += 2) {
      tags.add(Tag.create(pairs[i], pairs[i + 1]));
    }
    return tags;
  }
}
