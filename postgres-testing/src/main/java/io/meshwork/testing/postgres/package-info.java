/** A real PostgreSQL server for tests, unpacked from Maven Central, runnable as root. */
package io.meshwork.testing.postgres;
