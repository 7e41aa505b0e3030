package io.meshwork.runtime.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshwork.runtime.config.SettingsException;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing between two services over the in-process transport: the caller's server span, a step
 * below it, the client span of its call to the second service and that service's server span form
 * one trace whose parent links travel only in the call's {@code traceparent} metadata; off, nothing
 * is added to a call. Also which {@code OTEL_*} variables turn it on.
 */
class TracingTest {
  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  @Test
  void offUnlessTheVariablesAskForAnExporter() {
    assertFalse(Tracing.exporting(Map.of()));
    assertFalse(Tracing.exporting(Map.of("OTEL_TRACES_EXPORTER", "none")));
    assertFalse(Tracing.exporting(Map.of("OTEL_SERVICE_NAME", "x")));
    assertTrue(Tracing.exporting(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")));
    assertTrue(Tracing.exporting(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318")));
    assertTrue(Tracing.exporting(Map.of("OTEL_TRACES_EXPORTER", "otlp")));
    assertFalse(
        Tracing.exporting(
            Map.of("OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c")));
    assertFalse(
        Tracing.exporting(
            Map.of("OTEL_SDK_DISABLED", "true", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c")));
    assertFalse(Tracing.fromEnvironment("ledger", "did:key:z", Map.of()).enabled());
  }

  @Test
  void anExporterOrProtocolThisBuildLacksStopsTheServiceSayingWhich() {
    SettingsException exporter =
        assertThrows(
            SettingsException.class,
            () -> Tracing.exporting(Map.of("OTEL_TRACES_EXPORTER", "zipkin")));
    assertTrue(exporter.getMessage().contains("'zipkin'"), exporter.getMessage());
    SettingsException protocol =
        assertThrows(
            SettingsException.class,
            () ->
                Tracing.exporting(
                    Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "http://c:4317",
                        "OTEL_EXPORTER_OTLP_PROTOCOL",
                        "grpc")));
    assertTrue(protocol.getMessage().contains("http/protobuf"), protocol.getMessage());
  }

  @Test
  void anEnvironmentThatAsksForOtlpBuildsAnExportingTracer() {
    Tracing tracing =
        Tracing.fromEnvironment(
            "ledger",
            "did:key:z6Mk",
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:9",
                "OTEL_BSP_EXPORT_TIMEOUT",
                "100"));
    open.add(tracing);
    assertTrue(tracing.enabled());
  }

  @Test
  void oneTraceAcrossTwoServicesWithParentsCarriedInTheMetadata() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    Tracing first = tracing(spans);
    Tracing second = tracing(spans);
    List<String> arrived = new CopyOnWriteArrayList<>();
    String back = serve(second, new Health(null), arrived);
    ManagedChannel toBack =
        first.tracedChannels(target -> InProcessChannelBuilder.forName(target).build()).apply(back);
    open.add(toBack::shutdownNow);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    StreamHandler handler = new StreamHandler(log, new TraceLogFormatter(new SimpleFormatter()));
    Logger logger = Logger.getLogger("meshwork.tracing.test");
    logger.addHandler(handler);
    open.add(() -> logger.removeHandler(handler));
    String front = serve(first, new Health(() -> call(toBack)), new CopyOnWriteArrayList<>());

    // An untraced client: the front's server span is the trace's root.
    ManagedChannel client = InProcessChannelBuilder.forName(front).build();
    open.add(client::shutdownNow);
    call(client);
    handler.flush();

    Map<String, SpanData> byName = new java.util.HashMap<>();
    for (SpanData s : spans.getFinishedSpanItems()) {
      byName.put(s.getName() + "/" + s.getKind(), s);
    }
    SpanData frontServer =
        spans.getFinishedSpanItems().stream()
            .filter(s -> !s.getParentSpanContext().isValid())
            .findFirst()
            .orElseThrow();
    SpanData step = byName.get("step/" + SpanKind.INTERNAL);
    SpanData clientSpan = byName.get("grpc.health.v1.Health/Check/" + SpanKind.CLIENT);
    assertEquals(4, spans.getFinishedSpanItems().size(), spans.getFinishedSpanItems().toString());
    assertEquals(SpanKind.SERVER, frontServer.getKind(), "the front's server span is the root");
    assertEquals(frontServer.getSpanId(), step.getParentSpanId());
    assertEquals(step.getSpanId(), clientSpan.getParentSpanId());
    SpanData backServer =
        spans.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.SERVER && s != frontServer)
            .filter(s -> s.getParentSpanId().equals(clientSpan.getSpanId()))
            .findFirst()
            .orElseThrow();
    for (SpanData s : List.of(step, clientSpan, backServer)) {
      assertEquals(frontServer.getTraceId(), s.getTraceId(), s.getName());
    }
    // The back learned its parent from the metadata alone.
    assertEquals(1, arrived.size());
    assertTrue(
        arrived.get(0).startsWith("00-" + clientSpan.getTraceId() + "-" + clientSpan.getSpanId()),
        arrived.get(0));
    assertTrue(
        log.toString().contains("trace=" + frontServer.getTraceId() + " span=" + step.getSpanId()),
        log.toString());
  }

  @Test
  void offAddsNothingToACallAndRecordsNoStep() throws Exception {
    Tracing off = Tracing.off();
    Function<String, ManagedChannel> channels =
        target -> InProcessChannelBuilder.forName(target).build();
    assertSame(channels, off.tracedChannels(channels));
    assertThrows(IllegalStateException.class, off::serverInterceptor);
    List<String> arrived = new CopyOnWriteArrayList<>();
    String back = serve(null, new Health(null), arrived);
    ManagedChannel channel = channels.apply(back);
    open.add(channel::shutdownNow);
    try (TraceSpan span = Spans.start("step")) {
      assertSame(TraceSpan.NONE, span);
      assertFalse(Spans.active());
      call(channel);
    }
    assertEquals(1, arrived.size());
    assertNull(arrived.get(0));
  }

  private Tracing tracing(InMemorySpanExporter spans) {
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    Tracing tracing = Tracing.with(sdk);
    open.add(tracing);
    return tracing;
  }

  /** Serves {@code health} behind {@code tracing}'s interceptor, noting each call's traceparent. */
  private String serve(Tracing tracing, Health health, List<String> traceparents) throws Exception {
    String name = InProcessServerBuilder.generateName();
    ServerInterceptor noting =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            traceparents.add(headers.get(TRACEPARENT));
            return next.startCall(call, headers);
          }
        };
    var definition = ServerInterceptors.intercept(health, noting);
    if (tracing != null) {
      definition = ServerInterceptors.intercept(definition, tracing.serverInterceptor());
    }
    Server server =
        InProcessServerBuilder.forName(name).directExecutor().addService(definition).build();
    server.start();
    open.add(server::shutdownNow);
    return name;
  }

  private static void call(ManagedChannel channel) {
    HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
  }

  /** A health service that, asked, runs {@code then} as a step and logs inside it. */
  private static final class Health extends HealthGrpc.HealthImplBase {
    private final Runnable then;

    Health(Runnable then) {
      this.then = then;
    }

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
      if (then != null) {
        Spans.run(
            "step",
            () -> {
              Logger.getLogger("meshwork.tracing.test").warning("calling the back");
              then.run();
            });
      }
      out.onNext(
          HealthCheckResponse.newBuilder()
              .setStatus(HealthCheckResponse.ServingStatus.SERVING)
              .build());
      out.onCompleted();
    }
  }
}
