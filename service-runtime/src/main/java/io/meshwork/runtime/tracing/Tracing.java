package io.meshwork.runtime.tracing;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptor;
import io.meshwork.runtime.config.SettingsException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The tracing of one service: off unless the standard OpenTelemetry variables ask for an exporter,
 * and then a tracer whose spans go out over OTLP (HTTP/protobuf), interceptors that carry W3C trace
 * context across every gRPC call, and the trace id in log lines.
 *
 * <p>Off, it installs nothing: no interceptor, no tracer in any context, so the spans of {@link
 * Spans} are all the same empty one and a call's metadata is left as it came.
 *
 * <p>On when {@code OTEL_TRACES_EXPORTER} is {@code otlp}, or is unset while {@code
 * OTEL_EXPORTER_OTLP_ENDPOINT} (or its {@code _TRACES_} form) names a collector; {@code
 * OTEL_SDK_DISABLED=true} turns it off whatever else is set. Every other {@code OTEL_*} variable
 * the SDK's autoconfiguration reads (headers, sampler, batch delays, resource attributes) applies
 * as documented there. The resource is named {@code meshwork-SERVICE} unless {@code
 * OTEL_SERVICE_NAME} says otherwise, and carries the service's DID as {@code service.instance.id}.
 */
public final class Tracing implements AutoCloseable {
  private static final Tracing OFF = new Tracing(null);
  private static final String HTTP_PROTOBUF = "http/protobuf";

  private final OpenTelemetrySdk sdk;
  private final ServerInterceptor server;
  private final ClientInterceptor client;

  private Tracing(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
    if (sdk == null) {
      this.server = null;
      this.client = null;
    } else {
      Tracer tracer = sdk.getTracer("io.meshwork");
      // W3C trace context only: what every collector and language's SDK understands.
      this.server = GrpcSpans.server(tracer, W3CTraceContextPropagator.getInstance());
      this.client = GrpcSpans.client(W3CTraceContextPropagator.getInstance());
    }
  }

  /** Tracing into {@code sdk} (tests hand it one that keeps its spans in memory). */
  static Tracing with(OpenTelemetrySdk sdk) {
    return new Tracing(sdk);
  }

  /** Tracing that is off. */
  public static Tracing off() {
    return OFF;
  }

  /**
   * The tracing {@code environment} asks for, for service {@code serviceName} known by {@code
   * instanceId} (its DID).
   *
   * @throws SettingsException when the variables ask for an exporter or protocol this build does
   *     not have
   */
  public static Tracing fromEnvironment(
      String serviceName, String instanceId, Map<String, String> environment) {
    if (!exporting(environment)) {
      return OFF;
    }
    Map<String, String> properties = new LinkedHashMap<>();
    environment.forEach(
        (k, v) -> {
          if (k.startsWith("OTEL_")) {
            properties.put(k.toLowerCase(Locale.ROOT).replace('_', '.'), v);
          }
        });
    properties.put("otel.traces.exporter", "otlp");
    // Metrics stay on the admin port's /observe/metrics; logs stay in the service's log.
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    properties.putIfAbsent("otel.exporter.otlp.protocol", HTTP_PROTOBUF);
    properties.putIfAbsent("otel.service.name", "meshwork-" + serviceName);
    AttributeKey<String> instance = AttributeKey.stringKey("service.instance.id");
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            // The map wins over the process's own variables, so what was checked is what runs.
            .addPropertiesCustomizer(config -> properties)
            // The SDK makes up a random instance id; the DID names the service for good, unless
            // OTEL_RESOURCE_ATTRIBUTES gives one.
            .addResourceCustomizer(
                (resource, config) ->
                    config.getMap("otel.resource.attributes").containsKey(instance.getKey())
                        ? resource
                        : resource.merge(Resource.builder().put(instance, instanceId).build()))
            // The service closes it when it stops, after its last calls.
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    return new Tracing(sdk);
  }

  /**
   * Whether {@code environment} asks for traces to be exported.
   *
   * @throws SettingsException for an exporter other than {@code otlp} or {@code none}, or a
   *     protocol other than {@code http/protobuf}
   */
  static boolean exporting(Map<String, String> environment) {
    if ("true".equalsIgnoreCase(value(environment, "OTEL_SDK_DISABLED").orElse("false"))) {
      return false;
    }
    boolean endpoint =
        value(environment, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").isPresent()
            || value(environment, "OTEL_EXPORTER_OTLP_ENDPOINT").isPresent();
    String exporter =
        value(environment, "OTEL_TRACES_EXPORTER")
            .map(e -> e.toLowerCase(Locale.ROOT))
            .orElse(endpoint ? "otlp" : "none");
    if (exporter.equals("none")) {
      return false;
    }
    if (!exporter.equals("otlp")) {
      throw new SettingsException(
          "OTEL_TRACES_EXPORTER is '"
              + exporter
              + "'; Meshwork exports traces over otlp only (or none, the default)");
    }
    String protocol =
        value(environment, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            .or(() -> value(environment, "OTEL_EXPORTER_OTLP_PROTOCOL"))
            .orElse(HTTP_PROTOBUF);
    if (!protocol.equals(HTTP_PROTOBUF)) {
      throw new SettingsException(
          "OTEL_EXPORTER_OTLP_PROTOCOL is '"
              + protocol
              + "'; Meshwork sends OTLP as http/protobuf only (a collector's port 4318)");
    }
    return true;
  }

  private static Optional<String> value(Map<String, String> environment, String name) {
    return Optional.ofNullable(environment.get(name)).map(String::trim).filter(v -> !v.isEmpty());
  }

  /** Whether spans are recorded and exported. */
  public boolean enabled() {
    return sdk != null;
  }

  /**
   * The server interceptor that continues callers' traces; put it first, so that its span covers
   * the whole call, refusals included. Only for tracing that is {@link #enabled()}.
   */
  public ServerInterceptor serverInterceptor() {
    if (server == null) {
      throw new IllegalStateException("tracing is off: there is no server interceptor");
    }
    return server;
  }

  /** {@code channels}, with each channel carrying trace context when tracing is on. */
  public Function<String, ManagedChannel> tracedChannels(
      Function<String, ManagedChannel> channels) {
    if (client == null) {
      return channels;
    }
    return target -> new TracedChannel(channels.apply(target), client);
  }

  /** Sends the spans still buffered and stops exporting; waits a few seconds at most. */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
  }
}
