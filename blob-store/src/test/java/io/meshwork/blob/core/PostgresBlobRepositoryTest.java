package io.meshwork.blob.core;

import io.meshwork.blob.catalog.PostgresBlobCatalog;
import io.meshwork.testing.postgres.TestPostgres;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

class PostgresBlobRepositoryTest extends BlobRepositoryTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres pg;
  private String url;

  @BeforeAll
  static void startPostgres() {
    pg = TestPostgres.start();
  }

  @AfterAll
  static void stopPostgres() {
    pg.close();
  }

  @BeforeEach
  @Override
  void open() {
    // One database per test; a restart within the test opens the same one.
    if (url == null) {
      url = pg.createDatabase("blobs" + DATABASES.incrementAndGet());
    }
    super.open();
  }

  @Override
  BlobCatalog openCatalog() {
    return PostgresBlobCatalog.open(url, pg.user(), pg.password());
  }
}
