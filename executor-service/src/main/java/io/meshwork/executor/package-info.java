/** The executor deployable: its wiring and main. */
package io.meshwork.executor;
