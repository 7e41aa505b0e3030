package io.meshwork.blob.core;

import io.meshwork.blob.catalog.SqliteBlobCatalog;

class SqliteBlobRepositoryTest extends BlobRepositoryTest {
  @Override
  BlobCatalog openCatalog() {
    return SqliteBlobCatalog.inDirectory(dir);
  }
}
