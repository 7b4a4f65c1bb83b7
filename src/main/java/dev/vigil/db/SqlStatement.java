package dev.vigil.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL text assembled from fixed fragments, each with its own bind values, so optional filters stay
 * parameterised and every {@code ?} is bound in the order it was written.
 */
public final class SqlStatement {
  private final StringBuilder text = new StringBuilder();
  private final List<Object> values = new ArrayList<>();

  public SqlStatement append(String fragment, Object... fragmentValues) {
    text.append(fragment);
    values.addAll(List.of(fragmentValues));
    return this;
  }

  /** {@code column = ANY(?)} bound to a text array. */
  public SqlStatement anyOf(String column, List<String> options) {
    text.append(column).append(" = ANY(?)");
    values.add(options.toArray(String[]::new));
    return this;
  }

  public String text() {
    return text.toString();
  }

  public List<Object> values() {
    return List.copyOf(values);
  }

  /** Prepares and binds; instants as {@code timestamptz} so partition bounds prune. */
  public PreparedStatement prepare(Connection connection) throws SQLException {
    PreparedStatement ps = connection.prepareStatement(text.toString());
    try {
      for (int i = 0; i < values.size(); i++) {
        Object v = values.get(i);
        if (v instanceof Instant instant) {
          ps.setObject(i + 1, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        } else if (v instanceof String[] array) {
          ps.setArray(i + 1, connection.createArrayOf("text", array));
        } else {
          ps.setObject(i + 1, v);
        }
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }
}
