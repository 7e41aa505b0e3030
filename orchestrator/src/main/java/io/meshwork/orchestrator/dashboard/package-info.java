/**
 * The dashboard: a read-only web view of the orchestrator (jobs, executors, the receipt log, mana)
 * and the same data as a JSON API, served over HTTPS beside the admin port.
 */
package io.meshwork.orchestrator.dashboard;
