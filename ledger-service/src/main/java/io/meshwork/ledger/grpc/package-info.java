/** The gRPC face of the ledger: authorization, field validation and proto conversion. */
package io.meshwork.ledger.grpc;
