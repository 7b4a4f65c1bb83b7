package dev.vigil.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.testkit.JournalRows;
import dev.vigil.testkit.ReadSideRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One trimming pass over journal rows written here, against a real PostgreSQL: an entity keeps its
 * latest snapshot's events and those of the two snapshots before it, loses nothing its projection
 * has not read, and nothing without a snapshot; a journal whose projection has read nothing is left
 * alone; one node's pass keeps another's out.
 */
class JournalTrimmingIT {
  private static final Instant AT = Instant.parse("2026-12-07T12:00:00Z");
  private static final String EVENT = "dev.vigil.fingerprint.FingerprintEntity$RolledUp";
  private static final JournalTrimming.Journal FINGERPRINTS =
      new JournalTrimming.Journal("fingerprints", "fingerprint-", 1, 50, 2);
  private static final JournalTrimming.Journal SUBJECTS =
      new JournalTrimming.Journal("subjects", "subject-", 1, 50, 2);

  private Database database;
  private DataSource ds;

  @BeforeEach
  void migrate() {
    database = ReadSideRows.migratedDatabase();
    ds = database.dataSource();
  }

  @AfterEach
  void close() {
    database.close();
  }

  private JournalTrimming trimming(int batch) {
    return new JournalTrimming(
        ds,
        new JournalTrimming.Settings(Duration.ofMinutes(1), batch),
        List.of(FINGERPRINTS, SUBJECTS),
        Clock.systemUTC());
  }

  /** Events 1 to {@code last} of a fingerprint, with the snapshots Pekko keeps at 150, 200, 250. */
  private void fingerprint(String pid, long last) throws SQLException {
    JournalRows.events(ds, pid, "fingerprint-0", 1, last, EVENT, AT);
    for (long seq : List.of(150L, 200L, 250L)) {
      if (seq <= last) {
        JournalRows.snapshot(ds, pid, seq, AT);
      }
    }
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void keepsTheLatestSnapshotsEventsAndThoseOfTheTwoBeforeIt() throws Exception {
    fingerprint("Fingerprint|a", 260);
    JournalRows.snapshot(ds, "Fingerprint|a", 100, AT); // one Pekko's retention left behind
    JournalRows.projectedTo(ds, "fingerprints", "fingerprint-0", JournalRows.lastOrdering(ds));

    try (Connection other = ds.getConnection()) {
      JournalTrimming.Pass pass = trimming(100).run();

      assertThat(pass).isEqualTo(new JournalTrimming.Pass(true, 1, 150));
      assertThat(JournalRows.sequenceNumbers(ds, "event_journal", "Fingerprint|a"))
          .isEqualTo(range(150, 260));
      assertThat(JournalRows.sequenceNumbers(ds, "snapshot", "Fingerprint|a"))
          .containsExactly(150L, 200L, 250L);
      assertThat(JournalRows.count(ds, "SELECT count(*) FROM event_tag")).isEqualTo(111);
      // and the pass let its lock go: another connection takes it
      assertThat(JournalRows.lockFree(other, JournalTrimming.LOCK)).isTrue();
    }
  }

  @Test
  void deletesNothingItsProjectionHasNotReadAndComesBackForIt() throws Exception {
    fingerprint("Fingerprint|a", 260);
    JournalRows.projectedTo(
        ds, "fingerprints", "fingerprint-0", JournalRows.ordering(ds, "Fingerprint|a", 120));
    // another projection's offset under the same key says nothing of this one's
    JournalRows.projectedTo(ds, "other", "fingerprint-0", JournalRows.lastOrdering(ds));

    assertThat(trimming(100).run().deleted()).isEqualTo(120);
    assertThat(JournalRows.sequenceNumbers(ds, "event_journal", "Fingerprint|a"))
        .isEqualTo(range(121, 260));

    // once the projection has read on, the next pass, starting where the last stopped, takes the
    // rest
    JournalRows.projectedTo(ds, "fingerprints", "fingerprint-0", JournalRows.lastOrdering(ds));
    assertThat(trimming(100).run().deleted()).isEqualTo(29);
    assertThat(JournalRows.sequenceNumbers(ds, "event_journal", "Fingerprint|a"))
        .isEqualTo(range(150, 260));
  }

  @Test
  void anEntityWithoutASnapshotLosesNothing() throws Exception {
    JournalRows.events(ds, "Fingerprint|unsnapped", "fingerprint-0", 1, 120, EVENT, AT);
    JournalRows.projectedTo(ds, "fingerprints", "fingerprint-0", JournalRows.lastOrdering(ds));

    JournalTrimming.Pass pass = trimming(100).run();

    assertThat(pass).isEqualTo(new JournalTrimming.Pass(true, 1, 0));
    assertThat(JournalRows.sequenceNumbers(ds, "event_journal", "Fingerprint|unsnapped"))
        .isEqualTo(range(1, 120));
  }

  @Test
  void aJournalWhoseProjectionHasReadNothingIsLeftAlone() throws Exception {
    JournalRows.events(ds, "Subject|site", "subject-0", 1, 260, EVENT, AT);
    JournalRows.snapshot(ds, "Subject|site", 250, AT);

    assertThat(trimming(100).run()).isEqualTo(new JournalTrimming.Pass(true, 0, 0));
    assertThat(JournalRows.sequenceNumbers(ds, "event_journal", "Subject|site"))
        .isEqualTo(range(1, 260));
  }

  @Test
  void takesBatchAfterBatchWhileTheyComeBackFull() throws Exception {
    for (int i = 0; i < 4; i++) {
      fingerprint("Fingerprint|" + i, 260);
    }
    JournalRows.projectedTo(ds, "fingerprints", "fingerprint-0", JournalRows.lastOrdering(ds));

    // each entity passed five snapshot points: twenty, two to a batch
    assertThat(trimming(2).run().deleted()).isEqualTo(4 * 149);
    assertThat(JournalRows.count(ds, "SELECT count(*) FROM event_journal")).isEqualTo(4 * 111);
  }

  @Test
  void aPassWaitsOutAnotherNodesPass() throws Exception {
    fingerprint("Fingerprint|a", 260);
    JournalRows.projectedTo(ds, "fingerprints", "fingerprint-0", JournalRows.lastOrdering(ds));

    try (Connection other = ds.getConnection()) {
      JournalRows.holdLock(other, JournalTrimming.LOCK);
      assertThat(trimming(100).run()).isEqualTo(new JournalTrimming.Pass(false, 0, 0));
      JournalRows.releaseLock(other, JournalTrimming.LOCK);
    }

    assertThat(trimming(100).run().deleted()).isEqualTo(149);
  }
}
