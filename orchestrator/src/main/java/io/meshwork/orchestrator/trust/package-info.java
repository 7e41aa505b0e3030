/** What the orchestrator has verified about executors, and how much it trusts them for it. */
package io.meshwork.orchestrator.trust;
