/** Tasks: the RFC 0016 announce, bid, select, assign and result pipeline for one chunk. */
package io.meshwork.orchestrator.tasks;
