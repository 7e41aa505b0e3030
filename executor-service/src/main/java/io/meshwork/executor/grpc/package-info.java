/** The gRPC adapter of ExecutorService. */
package io.meshwork.executor.grpc;
