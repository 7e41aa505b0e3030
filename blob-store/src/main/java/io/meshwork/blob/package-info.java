/**
 * The blob store's wiring and settings: what a process that serves {@code
 * meshwork.blob.v1.BlobService} (the orchestrator) builds from its settings and plugs in.
 */
package io.meshwork.blob;
