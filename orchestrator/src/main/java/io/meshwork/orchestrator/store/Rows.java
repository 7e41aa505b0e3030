package io.meshwork.orchestrator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the journals' statements with their parameters bound in order: the rows a query reads, or
 * how many rows a write changed. A null parameter is SQL NULL, whose type the database takes from
 * the column.
 */
final class Rows {
  /** Reads one row into a value. */
  interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private Rows() {}

  /** The rows of the query {@code sql}, each read by {@code row}. */
  static <T> List<T> list(Connection c, String sql, Row<T> row, Object... parameters)
      throws SQLException {
    try (PreparedStatement ps = bound(c, sql, parameters)) {
      List<T> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row.read(rs));
        }
      }
      return out;
    }
  }

  /** The first row of the query {@code sql}, read by {@code row}, if it has one. */
  static <T> Optional<T> first(Connection c, String sql, Row<T> row, Object... parameters)
      throws SQLException {
    return list(c, sql, row, parameters).stream().findFirst();
  }

  /** Runs the write {@code sql}; returns how many rows it changed. */
  static int update(Connection c, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement ps = bound(c, sql, parameters)) {
      return ps.executeUpdate();
    }
  }

  private static PreparedStatement bound(Connection c, String sql, Object... parameters)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    try {
      for (int i = 0; i < parameters.length; i++) {
        ps.setObject(i + 1, parameters[i]);
      }
      return ps;
    } catch (SQLException e) {
      ps.close();
      throw e;
    }
  }
}
