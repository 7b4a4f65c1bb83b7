package dev.vigil.ledger;

import dev.vigil.anomaly.Level;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Budget arithmetic: UTC day and month periods, spend per period, the share of a limit used, and
 * the anomaly level it means. A subject is over budget when a period's spend has reached its limit.
 */
public final class BudgetRules {
  private BudgetRules() {}

  /** Limits in microdollars per UTC day and per UTC month; null: no limit for that period. */
  public record Limits(Long day, Long month) {
    public static final Limits NONE = new Limits(null, null);

    public boolean any() {
      return day != null || month != null;
    }
  }

  /** Spend of the current day and month (keys like 2026-11-22 and 2026-11). */
  public record Spend(String day, long daySpent, String month, long monthSpent) {
    public static final Spend NONE = new Spend("", 0, "", 0);

    /** This spend as seen at {@code now}: a period that has ended starts again from 0. */
    public Spend at(Instant now) {
      String d = dayKey(now);
      String m = monthKey(now);
      return new Spend(d, d.equals(day) ? daySpent : 0, m, m.equals(month) ? monthSpent : 0);
    }

    /**
     * Adds a call's cost to the periods it started in, seen at {@code now}. A late row of an
     * earlier day still counts for its month when that is the current month.
     */
    public Spend plus(long microdollars, Instant startedAt, Instant now) {
      Spend s = at(now);
      return new Spend(
          s.day,
          s.daySpent + (dayKey(startedAt).equals(s.day) ? microdollars : 0),
          s.month,
          s.monthSpent + (monthKey(startedAt).equals(s.month) ? microdollars : 0));
    }

    /** The larger of each period's figure (two lower bounds of the same spend). */
    public Spend max(Spend other) {
      return new Spend(
          day,
          other.day.equals(day) ? Math.max(daySpent, other.daySpent) : daySpent,
          month,
          other.month.equals(month) ? Math.max(monthSpent, other.monthSpent) : monthSpent);
    }
  }

  /** A UTC day's keys. Every spend asks for its day's and month's, nearly always today's. */
  private record Period(long epochDay, String day, String month) {
    static Period of(long epochDay) {
      String day = LocalDate.ofEpochDay(epochDay).toString();
      return new Period(epochDay, day, day.substring(0, day.length() - 3));
    }
  }

  /** The last day asked for: a spend's keys are strings made once a day, not once a call. */
  private static volatile Period last = Period.of(0);

  private static Period period(Instant at) {
    long epochDay = Math.floorDiv(at.getEpochSecond(), 86_400L);
    Period p = last;
    if (p.epochDay() != epochDay) {
      p = Period.of(epochDay);
      last = p;
    }
    return p;
  }

  /** The UTC day of {@code at}, as 2026-11-22. */
  public static String dayKey(Instant at) {
    return period(at).day();
  }

  /** The UTC month of {@code at}, as 2026-11. */
  public static String monthKey(Instant at) {
    return period(at).month();
  }

  /** The largest share of a limit used over the limited periods (0 when nothing is limited). */
  public static double ratio(Limits limits, Spend spend) {
    double r = 0;
    if (limits.day() != null) {
      r = Math.max(r, (double) spend.daySpent() / limits.day());
    }
    if (limits.month() != null) {
      r = Math.max(r, (double) spend.monthSpent() / limits.month());
    }
    return r;
  }

  public static boolean exceeded(Limits limits, Spend spend) {
    return (limits.day() != null && spend.daySpent() >= limits.day())
        || (limits.month() != null && spend.monthSpent() >= limits.month());
  }

  public static Level level(Limits limits, Spend spend, double warningRatio) {
    if (exceeded(limits, spend)) {
      return Level.CRITICAL;
    }
    return limits.any() && ratio(limits, spend) >= warningRatio ? Level.WARNING : Level.NONE;
  }

  /** The threshold a level stands for: 1.0 (the limit) or the warning ratio. */
  public static double threshold(Level level, double warningRatio) {
    return level == Level.CRITICAL ? 1.0 : warningRatio;
  }
}
