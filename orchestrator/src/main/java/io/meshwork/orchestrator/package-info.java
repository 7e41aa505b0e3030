/** The orchestrator deployable: its wiring and main. */
package io.meshwork.orchestrator;
