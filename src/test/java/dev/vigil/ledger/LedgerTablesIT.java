package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.db.Database;
import dev.vigil.db.DatabaseSettings;
import dev.vigil.testkit.TestDatabase;
import dev.vigil.testkit.TestServers;
import dev.vigil.writer.AppendWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The writers' column lists against the migrated schema: every column of the table is written, and
 * a column a statement may leave out is one that stores null when left out (nullable, no default),
 * so leaving it out stores what binding its null would have.
 */
class LedgerTablesIT {
  private static Database db;

  @BeforeAll
  static void open() {
    db =
        Database.open(
            DatabaseSettings.fromConfig(TestServers.config(TestDatabase.fresh())),
            new SimpleMeterRegistry());
  }

  @AfterAll
  static void close() {
    db.close();
  }

  private record Schema(boolean nullable, String defaultValue) {}

  @ParameterizedTest
  @ValueSource(strings = {"ai_requests", "tool_executions"})
  void everyColumnIsWrittenAndOnlyNullableColumnsWithoutADefaultAreLeftOut(String table)
      throws Exception {
    List<AppendWriter.Column> columns =
        table.equals("ai_requests") ? AiRequestTable.COLUMNS : ToolExecutionTable.COLUMNS;
    Map<String, Schema> schema = schema(table);

    assertThat(columns.stream().map(AppendWriter.Column::name))
        .containsExactlyInAnyOrderElementsOf(schema.keySet());
    for (AppendWriter.Column column : columns) {
      Schema s = schema.get(column.name());
      if (column.omittable()) {
        assertThat(s.nullable()).as("%s.%s is nullable", table, column.name()).isTrue();
        assertThat(s.defaultValue()).as("%s.%s has no default", table, column.name()).isNull();
      }
    }
    assertThat(columns).anyMatch(AppendWriter.Column::omittable);
  }

  private static Map<String, Schema> schema(String table) throws Exception {
    Map<String, Schema> columns = new LinkedHashMap<>();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT column_name, is_nullable, column_default FROM information_schema.columns"
                    + " WHERE table_schema = current_schema() AND table_name = ?"
                    + " ORDER BY ordinal_position")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          columns.put(rs.getString(1), new Schema(rs.getString(2).equals("YES"), rs.getString(3)));
        }
      }
    }
    assertThat(columns).as("columns of %s", table).isNotEmpty();
    return columns;
  }
}
