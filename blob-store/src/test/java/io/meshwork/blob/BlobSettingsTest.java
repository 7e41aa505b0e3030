package io.meshwork.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.blob.core.BlobLimits;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BlobSettingsTest {
  static final SettingsSchema SCHEMA =
      SettingsSchema.of("blobs", SharedSettings.ALL, BlobSettings.KEYS);

  static BlobSettings parse(Map<String, String> values) {
    MapSettings settings = new MapSettings(values);
    SCHEMA.check(settings);
    return BlobSettings.from(settings);
  }

  @Test
  void theDefaultsAreFilesAndSqliteInTheDataDirectory() {
    BlobSettings s = parse(Map.of("data-dir", "/srv/mesh"));
    assertEquals(BlobLimits.DEFAULTS, s.limits());
    assertEquals(Path.of("/srv/mesh/blobs"), s.store().dir());
    assertTrue(s.store().s3().isEmpty());
    assertTrue(s.catalog().postgresUrl().isEmpty());
  }

  @Test
  void anS3StoreNeedsABucketAndPartsThatCoverTheLargestBlob() {
    SettingsException noBucket =
        assertThrows(SettingsException.class, () -> parse(Map.of("blobs.store", "s3")));
    assertTrue(noBucket.getMessage().contains("blobs.s3.bucket"), noBucket.getMessage());
    SettingsException tooManyParts =
        assertThrows(
            SettingsException.class,
            () ->
                parse(
                    Map.of(
                        "blobs.store", "s3",
                        "blobs.s3.bucket", "b",
                        "blobs.checkpoint-bytes", "1",
                        "blobs.max-blob-bytes", "68719476736")));
    assertTrue(tooManyParts.getMessage().contains("blobs.checkpoint-bytes"));
    BlobSettings s3 =
        parse(
            Map.of(
                "data-dir", "/d",
                "blobs.store", "s3",
                "blobs.s3.bucket", "mesh",
                "blobs.s3.endpoint", "http://127.0.0.1:9000",
                "blobs.s3.path-style", "true"));
    assertEquals("mesh", s3.store().s3().orElseThrow().bucket());
    assertEquals(Path.of("/d/blob-spool"), s3.store().s3().orElseThrow().spoolDir());
  }

  @Test
  void aFrameMustFitInAMessageAndPostgresNeedsAUrl() {
    SettingsException frame =
        assertThrows(
            SettingsException.class,
            () ->
                parse(
                    Map.of(
                        "grpc.max-message-bytes", "1000000", "blobs.max-frame-bytes", "1000000")));
    assertTrue(frame.getMessage().contains("blobs.max-frame-bytes"));
    SettingsException pg =
        assertThrows(SettingsException.class, () -> parse(Map.of("blobs.catalog", "postgres")));
    assertTrue(pg.getMessage().contains("blobs.postgres.url"));
    assertThrows(SettingsException.class, () -> parse(Map.of("blobs.s3.prefix", "/x")));
    assertThrows(SettingsException.class, () -> parse(Map.of("blobs.max-open-uploads", "0")));
  }
}
