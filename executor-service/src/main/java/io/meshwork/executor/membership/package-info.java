/** Open membership: joining an orchestrator, heartbeating to it, draining and leaving. */
package io.meshwork.executor.membership;
