package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.anomaly.Level;
import dev.vigil.ledger.BudgetRules.Limits;
import dev.vigil.ledger.BudgetRules.Spend;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Budget periods are UTC days and months; a subject is over budget at its limit. */
class BudgetRulesTest {
  static final Instant NOV_22 = Instant.parse("2026-11-22T23:00:00Z");

  @Test
  void addsSpendToThePeriodsTheCallStartedIn() {
    Spend s = Spend.NONE.plus(100, NOV_22, NOV_22);
    assertThat(s).isEqualTo(new Spend("2026-11-22", 100, "2026-11", 100));
    // a late call from yesterday counts for the month only
    s = s.plus(50, Instant.parse("2026-11-21T10:00:00Z"), NOV_22);
    assertThat(s).isEqualTo(new Spend("2026-11-22", 100, "2026-11", 150));
  }

  @Test
  void aNewDayOrMonthStartsFromZero() {
    Spend s = new Spend("2026-11-22", 100, "2026-11", 150);
    assertThat(s.at(Instant.parse("2026-11-23T00:00:01Z")))
        .isEqualTo(new Spend("2026-11-23", 0, "2026-11", 150));
    assertThat(s.at(Instant.parse("2026-12-01T00:00:00Z")))
        .isEqualTo(new Spend("2026-12-01", 0, "2026-12", 0));
  }

  @Test
  void dayAndMonthKeysAreTheUtcCalendarsWhicheverDaysAreAskedInTurn() {
    Instant[] times = {
      NOV_22,
      Instant.parse("2026-11-22T23:59:59.999999Z"),
      Instant.parse("2026-11-23T00:00:00Z"),
      NOV_22,
      Instant.parse("1969-12-31T23:59:59Z"),
      Instant.parse("1970-01-01T00:00:00Z"),
      Instant.parse("2024-02-29T12:00:00Z"),
    };
    for (Instant at : times) {
      java.time.LocalDate day = java.time.LocalDate.ofInstant(at, java.time.ZoneOffset.UTC);
      assertThat(BudgetRules.dayKey(at)).as("%s", at).isEqualTo(day.toString());
      assertThat(BudgetRules.monthKey(at))
          .as("%s", at)
          .isEqualTo(java.time.YearMonth.from(day).toString());
    }
  }

  @Test
  void levelsFollowTheLargestShareOfALimit() {
    Limits limits = new Limits(1_000L, 100_000L);
    assertThat(BudgetRules.level(limits, new Spend("d", 799, "m", 799), 0.8)).isEqualTo(Level.NONE);
    assertThat(BudgetRules.level(limits, new Spend("d", 800, "m", 800), 0.8))
        .isEqualTo(Level.WARNING);
    assertThat(BudgetRules.level(limits, new Spend("d", 1_000, "m", 1_000), 0.8))
        .isEqualTo(Level.CRITICAL);
    assertThat(BudgetRules.ratio(limits, new Spend("d", 500, "m", 90_000))).isEqualTo(0.9);
    assertThat(BudgetRules.level(Limits.NONE, new Spend("d", 9, "m", 9), 0.8))
        .isEqualTo(Level.NONE);
    assertThat(BudgetRules.level(limits, new Spend("d", 999, "m", 999), 1.0)).isEqualTo(Level.NONE);
  }

  @Test
  void theLargerOfTwoReadingsOfTheSamePeriodWins() {
    Spend memory = new Spend("2026-11-22", 100, "2026-11", 900);
    Spend ledger = new Spend("2026-11-22", 300, "2026-11", 800);
    assertThat(memory.max(ledger)).isEqualTo(new Spend("2026-11-22", 300, "2026-11", 900));
  }
}
