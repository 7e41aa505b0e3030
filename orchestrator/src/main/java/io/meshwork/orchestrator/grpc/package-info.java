/** The gRPC adapter of ComputeService. */
package io.meshwork.orchestrator.grpc;
