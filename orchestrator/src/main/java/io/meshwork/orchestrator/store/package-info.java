/** The durable journals of jobs and membership, in SQLite or PostgreSQL, fenced for replicas. */
package io.meshwork.orchestrator.store;
