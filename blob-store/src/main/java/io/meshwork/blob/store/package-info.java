/** Where blob bytes live: files under a directory, or an S3-compatible object store. */
package io.meshwork.blob.store;
