/**
 * The one place that speaks both vocabularies: protobuf messages to and from the domain's records,
 * for the gRPC adapter, the clients of the other services and the journal.
 */
package io.meshwork.orchestrator.wire;
