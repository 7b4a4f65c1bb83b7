package dev.vigil.analytics;

import static dev.vigil.testkit.BotDefenseRows.decision;
import static dev.vigil.testkit.BotDefenseRows.fingerprint;
import static dev.vigil.testkit.BotDefenseRows.observation;
import static dev.vigil.testkit.BotDefenseRows.transition;
import static dev.vigil.testkit.ReadSideRows.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.vigil.analytics.BotReport.ClassCount;
import dev.vigil.analytics.BotReport.Interval;
import dev.vigil.analytics.BotReport.NameCount;
import dev.vigil.analytics.BotReport.OffendingFingerprint;
import dev.vigil.analytics.BotReport.Totals;
import dev.vigil.analytics.BotReportParameters.TimeBucket;
import dev.vigil.db.Database;
import dev.vigil.db.SqlStatement;
import dev.vigil.tenancy.SiteScope;
import dev.vigil.testkit.BotDefenseRows;
import dev.vigil.testkit.ReadSideRows;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bots report against a real PostgreSQL: sessions, fingerprints, throttle transitions and
 * decisions of known values on two sites, with the expected figures computed by hand. The report
 * reads through connections set to Asia/Kolkata (UTC+5:30), so a bucket that followed the session
 * time zone instead of UTC would start at :30 and fail every overTime assertion.
 */
class BotQueriesIT {
  private static final String SITE = "bots";
  private static final String OTHER = "other";
  // Two UTC days: [2025-06-13, 2025-06-15)
  private static final Instant SINCE = t("2025-06-13T00:00:00Z");
  private static final Instant UNTIL = t("2025-06-15T00:00:00Z");

  private static Database database;
  private static BotQueries queries;

  @BeforeAll
  static void migrateAndInsertTwoSitesOfBotTraffic() throws Exception {
    database = ReadSideRows.migratedDatabase();
    DataSource ds = database.dataSource();
    queries = new BotQueries(inKolkata(ds));
    BotDefenseRows.ensureObservationPartitions(ds, t("2025-06-10T00:00:00Z"), 10);

    // In the window: 4 human, 1 ghost, 5 bots. Outside it: one just before, one at until.
    session("h1", SITE, SINCE).insert(ds);
    session("h2", SITE, t("2025-06-13T10:00:00Z")).insert(ds);
    session("h3", SITE, t("2025-06-14T08:00:00Z")).insert(ds);
    session("h4", SITE, t("2025-06-14T23:59:59Z")).insert(ds);
    session("g1", SITE, t("2025-06-14T09:00:00Z")).cls("ghost").insert(ds);
    session("k1", SITE, t("2025-06-13T05:00:00Z"))
        .cls("known_bot")
        .fingerprint("fp-google")
        .insert(ds);
    session("k2", SITE, t("2025-06-14T05:00:00Z"))
        .cls("known_bot")
        .fingerprint("fp-google")
        .insert(ds);
    session("a1", SITE, t("2025-06-14T06:00:00Z"))
        .cls("ai_crawler")
        .fingerprint("fp-gpt")
        .insert(ds);
    session("b1", SITE, t("2025-06-14T07:00:00Z"))
        .cls("behavioural_bot")
        .fingerprint("fp-scraper")
        .insert(ds);
    session("s1", SITE, t("2025-06-14T07:30:00Z")).cls("scanner").fingerprint("fp-scan").insert(ds);
    session("k-late", SITE, UNTIL).cls("known_bot").fingerprint("fp-google").insert(ds);
    session("h-old", SITE, SINCE.minusSeconds(1)).insert(ds);
    // The other site: 3 bots (one of them on the first site's Googlebot fingerprint), 1 human.
    session("o1", OTHER, t("2025-06-14T01:00:00Z"))
        .cls("behavioural_bot")
        .fingerprint("fp-other")
        .insert(ds);
    session("o2", OTHER, t("2025-06-14T02:00:00Z"))
        .cls("behavioural_bot")
        .fingerprint("fp-other")
        .insert(ds);
    session("o3", OTHER, t("2025-06-14T03:00:00Z"))
        .cls("known_bot")
        .fingerprint("fp-google")
        .insert(ds);
    session("o4", OTHER, t("2025-06-14T04:00:00Z")).insert(ds);

    fingerprint("fp-scan", SITE, t("2025-06-14T07:30:00Z"), t("2025-06-14T07:31:00Z"))
        .level("blocked", 20)
        .immediate("scanner", "/.env")
        .counts(1, 40, 3)
        .insert(ds);
    fingerprint("fp-noisy", SITE, t("2025-06-10T00:00:00Z"), t("2025-06-13T12:00:00Z"))
        .level("warning", 30)
        .pinned("blocked")
        .counts(12, 1200, 2)
        .insert(ds);
    fingerprint("fp-scraper", SITE, t("2025-06-14T07:00:00Z"), t("2025-06-14T20:00:00Z"))
        .level("severe", 30)
        .bot(75, List.of("high_velocity", "regular_timing"))
        .counts(1, 900, 2)
        .insert(ds);
    fingerprint("fp-google", SITE, t("2025-06-01T00:00:00Z"), t("2025-06-15T11:00:00Z"))
        .immediate("declared_crawler", "Googlebot")
        .counts(3, 5000, 0)
        .insert(ds);
    fingerprint("fp-gpt", SITE, t("2025-06-14T06:00:00Z"), t("2025-06-14T06:10:00Z"))
        .immediate("ai_crawler", "gptbot")
        .counts(1, 300, 0)
        .insert(ds);
    // a visitor, not an offender, however busy
    fingerprint("fp-human", SITE, t("2025-06-13T00:00:00Z"), t("2025-06-14T00:00:00Z"))
        .counts(4, 10_000, 0)
        .insert(ds);
    // offenders not seen in the window
    fingerprint("fp-stale", SITE, t("2025-06-01T00:00:00Z"), SINCE.minusSeconds(1))
        .level("blocked", 0)
        .counts(9, 99, 5)
        .insert(ds);
    fingerprint("fp-later", SITE, UNTIL, UNTIL.plusSeconds(60))
        .level("blocked", 10)
        .counts(1, 5, 4)
        .insert(ds);
    fingerprint("fp-other", OTHER, t("2025-06-14T01:00:00Z"), t("2025-06-14T02:00:00Z"))
        .level("blocked", 0)
        .counts(2, 7000, 9)
        .insert(ds);

    transition(ds, "fp-scraper", SITE, "normal", "warning", t("2025-06-14T09:15:00Z"));
    transition(ds, "fp-scraper", SITE, "warning", "severe", t("2025-06-14T09:45:00Z"));
    transition(ds, "fp-noisy", SITE, "normal", "warning", t("2025-06-14T09:50:00Z"));
    transition(ds, "fp-scan", SITE, "severe", "blocked", t("2025-06-14T11:10:00Z"));
    transition(ds, "fp-scan", SITE, "blocked", "severe", t("2025-06-14T11:20:00Z")); // cooldown
    transition(ds, "fp-scan", SITE, "normal", "blocked", t("2025-06-14T12:59:59Z"));
    transition(ds, "fp-noisy", SITE, "normal", "warning", t("2025-06-14T13:00:00Z"));
    transition(ds, "fp-noisy", SITE, "normal", "warning", t("2025-06-13T18:00:00Z"));
    transition(ds, "fp-other", OTHER, "normal", "blocked", t("2025-06-14T10:30:00Z"));

    BotDefenseRows.insertAll(
        ds,
        List.of(
            decision(SITE, "fp-scraper", t("2025-06-14T09:40:00Z"), "throttle"),
            decision(SITE, "fp-scraper", t("2025-06-14T09:41:00Z"), "throttle"),
            decision(SITE, "fp-scraper", t("2025-06-14T09:42:00Z"), "allow"),
            decision(SITE, "fp-scan", t("2025-06-14T09:43:00Z"), "block"),
            decision(SITE, "fp-scan", t("2025-06-14T12:05:00Z"), "block"),
            decision(SITE, "fp-scan", t("2025-06-14T12:06:00Z"), "block"),
            observation(SITE, "fp-scan", t("2025-06-14T12:07:00Z"), null),
            observation(SITE, "fp-scan", t("2025-06-14T12:08:00Z"), "block"),
            decision(SITE, "fp-scraper", t("2025-06-14T09:20:00Z"), "throttle"),
            decision(SITE, "fp-noisy", t("2025-06-13T03:00:00Z"), "block"),
            decision(OTHER, "fp-other", t("2025-06-14T10:15:00Z"), "block")));
  }

  @AfterAll
  static void close() {
    database.close();
  }

  @Test
  void countsSessionsByClassAndByNameOfTheSiteOnly() throws Exception {
    BotReport r = queries.report(site(SITE), days(SINCE, UNTIL, 10));

    // 10 sessions in [since, until): h1..h4, g1, k1, k2, a1, b1, s1; bots 5 / 10 = 0.5
    assertThat(r.totals()).isEqualTo(new Totals(10, 4, 5, 1, 0.5));
    assertThat(r.kinds().classes())
        .containsExactly(
            new ClassCount("known_bot", 2),
            new ClassCount("ai_crawler", 1),
            new ClassCount("behavioural_bot", 1),
            new ClassCount("scanner", 1));
    // b1's fingerprint was scored, not recognised: it has no name. o3 is the other site's.
    assertThat(r.kinds().names())
        .containsExactly(
            new NameCount("known_bot", "Googlebot", 2),
            new NameCount("scanner", "/.env", 1),
            new NameCount("ai_crawler", "gptbot", 1));
  }

  @Test
  void ranksTheSitesOffendingFingerprintsByEscalationsThenRequests() throws Exception {
    List<OffendingFingerprint> top =
        queries.report(site(SITE), days(SINCE, UNTIL, 10)).topFingerprints();

    assertThat(top)
        .extracting(OffendingFingerprint::fingerprintId)
        .containsExactly("fp-scan", "fp-noisy", "fp-scraper", "fp-google", "fp-gpt");
    assertThat(top.get(1))
        .isEqualTo(
            new OffendingFingerprint(
                "fp-noisy",
                SITE,
                "warning",
                "blocked",
                "blocked",
                30,
                null,
                null,
                false,
                0,
                List.of(),
                12,
                1200,
                2,
                t("2025-06-10T00:00:00Z"),
                t("2025-06-13T12:00:00Z")));
    OffendingFingerprint scraper = top.get(2);
    assertThat(scraper.effectiveLevel()).isEqualTo("severe");
    assertThat(scraper.pinnedLevel()).isNull();
    assertThat(scraper.bot()).isTrue();
    assertThat(scraper.score()).isEqualTo(75);
    assertThat(scraper.reasons()).containsExactly("high_velocity", "regular_timing");
    assertThat(top.get(3).immediateClass()).isEqualTo("declared_crawler");
    assertThat(top.get(3).immediateName()).isEqualTo("Googlebot");
  }

  @Test
  void theLimitCutsTheNameAndFingerprintLists() throws Exception {
    BotReport r = queries.report(site(SITE), days(SINCE, UNTIL, 2));

    assertThat(r.kinds().names()).extracting(NameCount::name).containsExactly("Googlebot", "/.env");
    assertThat(r.topFingerprints())
        .extracting(OffendingFingerprint::fingerprintId)
        .containsExactly("fp-scan", "fp-noisy");
    assertThat(r.kinds().classes()).hasSize(4); // at most six classes: never cut
  }

  @Test
  void countsEscalationsAndEnforcedDecisionsPerHourAndFillsQuietHoursWithZeros() throws Exception {
    // [09:30, 13:00): hour buckets 09, 10, 11, 12; the first is cut at 09:30.
    BotReport r =
        queries.report(
            site(SITE),
            new BotReportParameters(
                Optional.of(SITE),
                t("2025-06-14T09:30:00Z"),
                t("2025-06-14T13:00:00Z"),
                10,
                TimeBucket.HOUR));

    assertThat(r.bucket()).isEqualTo("hour");
    assertThat(r.overTime())
        .containsExactly(
            // 09:45 warning→severe, 09:50 normal→warning (09:15 is before since);
            // decisions 09:40, 09:41 throttle, 09:43 block (09:42 allow, 09:20 before since)
            new Interval(t("2025-06-14T09:00:00Z"), 2, 0, 2, 1),
            // only the other site's block at 10:30 and decision at 10:15
            new Interval(t("2025-06-14T10:00:00Z"), 0, 0, 0, 0),
            // 11:10 severe→blocked; 11:20 blocked→severe is a cooldown, not an escalation
            new Interval(t("2025-06-14T11:00:00Z"), 0, 1, 0, 0),
            // 12:59:59 normal→blocked (13:00 is until); decisions 12:05, 12:06 block, not the
            // observations at 12:07 and 12:08
            new Interval(t("2025-06-14T12:00:00Z"), 0, 1, 0, 2));
  }

  @Test
  void bucketsByTheUtcDay() throws Exception {
    BotReport r = queries.report(site(SITE), days(SINCE, UNTIL, 10));

    assertThat(r.overTime())
        .containsExactly(
            // 06-13 18:00 normal→warning; decision 03:00 block
            new Interval(t("2025-06-13T00:00:00Z"), 1, 0, 0, 1),
            // escalations 09:15, 09:45, 09:50, 13:00 to warning/severe and 11:10, 12:59:59 to
            // blocked; decisions 09:20, 09:40, 09:41 throttle and 09:43, 12:05, 12:06 block
            new Interval(t("2025-06-14T00:00:00Z"), 4, 2, 3, 3));
  }

  @Test
  void allVisibleSitesAreReportedTogether() throws Exception {
    BotReport r =
        queries.report(
            new SiteScope(true, List.of()),
            new BotReportParameters(
                Optional.empty(),
                t("2025-06-14T09:30:00Z"),
                t("2025-06-14T11:00:00Z"),
                10,
                TimeBucket.HOUR));

    // sessions started 09:30..11:00: none
    assertThat(r.totals()).isEqualTo(new Totals(0, 0, 0, 0, null));
    assertThat(r.overTime())
        .containsExactly(
            new Interval(t("2025-06-14T09:00:00Z"), 2, 0, 2, 1),
            new Interval(t("2025-06-14T10:00:00Z"), 0, 1, 0, 1));

    BotReport both =
        queries.report(new SiteScope(false, List.of(SITE, OTHER)), days(SINCE, UNTIL, 10));
    // + o1, o2, o3 bots and o4 human: 14 sessions, 8 bots
    assertThat(both.totals().sessions()).isEqualTo(14);
    assertThat(both.totals().human()).isEqualTo(5);
    assertThat(both.totals().bot()).isEqualTo(8);
    assertThat(both.totals().botShare()).isCloseTo(8.0 / 14, within(1e-9));
    assertThat(both.kinds().classes())
        .containsExactly(
            new ClassCount("behavioural_bot", 3),
            new ClassCount("known_bot", 3),
            new ClassCount("ai_crawler", 1),
            new ClassCount("scanner", 1));
    assertThat(both.kinds().names().get(0)).isEqualTo(new NameCount("known_bot", "Googlebot", 3));
    assertThat(both.topFingerprints().get(0).fingerprintId()).isEqualTo("fp-other");
  }

  @Test
  void theEnforcedDecisionsAreReadFromTheirPartialIndexNotFromEveryDecision() throws Exception {
    // With sequential scans off, a query whose filter did not match the partial index of
    // throttled and blocked decisions (V12) would read the window through the key's index.
    for (SiteScope scope : List.of(site(SITE), new SiteScope(true, List.of()))) {
      SqlStatement report = BotQueries.overTimeStatement(scope, days(SINCE, UNTIL, 10));
      SqlStatement explain =
          new SqlStatement().append("EXPLAIN " + report.text(), report.values().toArray());
      StringBuilder plan = new StringBuilder();
      try (Connection c = database.dataSource().getConnection()) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          st.execute("ANALYZE observations");
          st.execute("SET LOCAL enable_seqscan = off");
        }
        try (PreparedStatement ps = explain.prepare(c);
            ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            plan.append(rs.getString(1)).append('\n');
          }
        }
        c.rollback();
      }
      assertThat(plan.toString())
          .as("plan for %s", scope)
          .containsPattern("observations_2025061[34]_ts_site_id_idx")
          .doesNotContain("pkey")
          .doesNotContain("Seq Scan on observations");
    }
  }

  @Test
  void aSiteWithoutTrafficHasZerosEverywhereAndNoShare() throws Exception {
    BotReport r = queries.report(site("quiet"), days(SINCE, UNTIL, 10));

    assertThat(r.totals()).isEqualTo(new Totals(0, 0, 0, 0, null));
    assertThat(r.kinds().classes()).isEmpty();
    assertThat(r.kinds().names()).isEmpty();
    assertThat(r.topFingerprints()).isEmpty();
    assertThat(r.overTime())
        .containsExactly(
            new Interval(t("2025-06-13T00:00:00Z"), 0, 0, 0, 0),
            new Interval(t("2025-06-14T00:00:00Z"), 0, 0, 0, 0));
  }

  @Test
  void anEmptyWindowHasNoBuckets() throws Exception {
    Instant at = t("2025-06-14T09:30:00Z");
    BotReport r = queries.report(site(SITE), days(at, at, 10));

    assertThat(r.overTime()).isEmpty();
    assertThat(r.totals().sessions()).isZero();
  }

  private static BotReportParameters days(Instant since, Instant until, int limit) {
    return new BotReportParameters(Optional.of(SITE), since, until, limit, TimeBucket.DAY);
  }

  private static SiteScope site(String id) {
    return new SiteScope(false, List.of(id));
  }

  private static Instant t(String iso) {
    return Instant.parse(iso);
  }

  /** The pool, but every connection it hands out is set to a zone 5:30 away from UTC. */
  private static DataSource inKolkata(DataSource ds) {
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result;
              try {
                result = method.invoke(ds, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              if (result instanceof Connection c) {
                try (Statement st = c.createStatement()) {
                  st.execute("SET TIME ZONE 'Asia/Kolkata'");
                }
              }
              return result;
            });
  }
}
