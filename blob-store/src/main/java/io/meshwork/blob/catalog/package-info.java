/** The blob catalog in SQLite (the embedded default) or PostgreSQL. */
package io.meshwork.blob.catalog;
