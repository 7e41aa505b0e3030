/** The gRPC adapter of {@code meshwork.blob.v1.BlobService}: proto in, domain call, proto out. */
package io.meshwork.blob.grpc;
