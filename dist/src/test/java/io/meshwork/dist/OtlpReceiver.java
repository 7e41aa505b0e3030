package io.meshwork.dist;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A collector for the test JVM: takes OTLP trace exports over HTTP/protobuf ({@code POST
 * /v1/traces}, what a collector's port 4318 takes) and keeps every span with the resource it came
 * from. It reads the OTLP messages by their field numbers (opentelemetry-proto's {@code
 * ExportTraceServiceRequest}), so it needs no generated classes and no second protobuf runtime.
 */
final class OtlpReceiver implements AutoCloseable {
  /** One span as exported: ids in hex, its kind (1 internal, 2 server, 3 client), attributes. */
  record Span(
      String service,
      String instance,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      Map<String, String> attributes) {}

  private final HttpServer server;
  private final List<Span> spans = new CopyOnWriteArrayList<>();

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/traces", this::export);
    server.start();
  }

  /** The value for {@code OTEL_EXPORTER_OTLP_ENDPOINT}. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Every span received so far. */
  List<Span> spans() {
    return List.copyOf(spans);
  }

  private void export(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream body = exchange.getRequestBody()) {
      int code = 200;
      try {
        read(UnknownFieldSet.parseFrom(body.readAllBytes()));
      } catch (InvalidProtocolBufferException e) {
        code = 400;
      }
      // An empty ExportTraceServiceResponse: everything was accepted.
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(code, -1);
    }
  }

  // ExportTraceServiceRequest: 1 resource_spans. ResourceSpans: 1 resource, 2 scope_spans.
  // Resource: 1 attributes. ScopeSpans: 2 spans. Span: 1 trace_id, 2 span_id, 4 parent_span_id,
  // 5 name, 6 kind, 9 attributes. KeyValue: 1 key, 2 value. AnyValue: 1 string_value.
  private void read(UnknownFieldSet request) throws InvalidProtocolBufferException {
    for (ByteString resourceSpans : lengthDelimited(request, 1)) {
      UnknownFieldSet rs = UnknownFieldSet.parseFrom(resourceSpans);
      Map<String, String> resource = new LinkedHashMap<>();
      for (ByteString r : lengthDelimited(rs, 1)) {
        resource.putAll(attributes(UnknownFieldSet.parseFrom(r), 1));
      }
      for (ByteString scopeSpans : lengthDelimited(rs, 2)) {
        for (ByteString s : lengthDelimited(UnknownFieldSet.parseFrom(scopeSpans), 2)) {
          UnknownFieldSet span = UnknownFieldSet.parseFrom(s);
          spans.add(
              new Span(
                  resource.get("service.name"),
                  resource.get("service.instance.id"),
                  hex(span, 1),
                  hex(span, 2),
                  hex(span, 4),
                  string(span, 5),
                  span.hasField(6) ? span.getField(6).getVarintList().get(0).intValue() : 0,
                  attributes(span, 9)));
        }
      }
    }
  }

  private static Map<String, String> attributes(UnknownFieldSet message, int field)
      throws InvalidProtocolBufferException {
    Map<String, String> attributes = new LinkedHashMap<>();
    for (ByteString kv : lengthDelimited(message, field)) {
      UnknownFieldSet pair = UnknownFieldSet.parseFrom(kv);
      List<ByteString> value = lengthDelimited(pair, 2);
      String text = value.isEmpty() ? "" : string(UnknownFieldSet.parseFrom(value.get(0)), 1);
      attributes.put(string(pair, 1), text);
    }
    return attributes;
  }

  private static List<ByteString> lengthDelimited(UnknownFieldSet message, int field) {
    return message.hasField(field) ? message.getField(field).getLengthDelimitedList() : List.of();
  }

  private static String string(UnknownFieldSet message, int field) {
    List<ByteString> values = lengthDelimited(message, field);
    return values.isEmpty() ? "" : values.get(0).toStringUtf8();
  }

  private static String hex(UnknownFieldSet message, int field) {
    List<ByteString> values = lengthDelimited(message, field);
    return values.isEmpty() ? "" : HexFormat.of().formatHex(values.get(0).toByteArray());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
