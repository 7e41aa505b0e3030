/** The admin HTTP port of a service: health probes and Prometheus metrics, served by Helidon SE. */
package io.meshwork.runtime.admin;
