/** The gRPC server every service runs, client channels, and the unary handler wrapper. */
package io.meshwork.runtime.grpc;
