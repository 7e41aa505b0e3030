/**
 * The gRPC server every service runs, with the interceptor that maps handler failures; client
 * channels; and {@link io.meshwork.runtime.grpc.Rpc}, how handlers answer and fail.
 */
package io.meshwork.runtime.grpc;
