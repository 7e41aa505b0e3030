package io.meshwork.ledger.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.ledger.core.Account;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.testing.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The PostgreSQL store survives losing its connections, as when the server restarts. */
class PostgresLedgerStoreTest {
  private static TestPostgres postgres;

  @BeforeAll
  static void startServer() {
    postgres = TestPostgres.start();
  }

  @AfterAll
  static void stopServer() {
    postgres.close();
  }

  @Test
  void bothConnectionsComeBackAfterTheServerDropsThem() throws Exception {
    String url = postgres.createDatabase("ledger_reconnect");
    try (PostgresLedgerStore store =
        PostgresLedgerStore.open(url, postgres.user(), postgres.password(), 64)) {
      store.write(
          w -> {
            w.insertAccount(new Account("did:key:a", 0, 0, 1));
            return null;
          });
      assertTrue(store.read(r -> r.account("did:key:a")).isPresent());

      assertEquals(2, dropLedgerConnections(url));

      // A read reconnects by itself: reads change nothing, so it simply tries again.
      assertTrue(store.read(r -> r.account("did:key:a")).isPresent());
      // The write that finds the connection gone fails as retryable; the next one reconnects.
      MeshException lost =
          assertThrows(
              MeshException.class,
              () ->
                  store.write(
                      w -> {
                        w.insertAccount(new Account("did:key:b", 0, 0, 1));
                        return null;
                      }));
      assertEquals(MeshException.Kind.UNAVAILABLE, lost.kind(), lost.getMessage());
      store.write(
          w -> {
            w.insertAccount(new Account("did:key:b", 0, 0, 1));
            return null;
          });
      assertTrue(store.read(r -> r.account("did:key:b")).isPresent());
    }
  }

  /** Terminates the ledger's sessions on the database at {@code url}; returns how many. */
  private static int dropLedgerConnections(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND application_name ="
                    + " 'meshwork-ledger'")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
