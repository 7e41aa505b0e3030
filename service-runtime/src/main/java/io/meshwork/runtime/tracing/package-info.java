/**
 * Tracing across the mesh: W3C trace context on every gRPC call, spans for the steps of a job, and
 * their export over OTLP when the standard {@code OTEL_*} variables ask for it; the only package
 * that imports OpenTelemetry.
 */
package io.meshwork.runtime.tracing;
