package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Trace.Beacons;
import dev.vigil.detection.corpus.Trace.Event;
import dev.vigil.detection.corpus.Trace.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The anchor's bot detection run offline on a corpus, as the reference notes describe it (§2
 * session lifecycle and request classes, §3 the 13 signals and threshold 30): what the anchor would
 * store (session rows, analytics events, engagement rows) is rebuilt from the trace in time order,
 * and each request's verdict is the flags of the session it landed in after that request (is_bot
 * requests get no session and are a verdict themselves). With {@code jobs}, the two batch
 * reclassifiers of §3 run on their schedules too. See {@link AnchorSession} for the signals and the
 * report's notes for every reading of an ambiguous rule.
 */
public final class AnchorBaseline {
  static final long MINUTE = 60_000;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;
  static final int THRESHOLD = 30;

  /**
   * How to run it.
   *
   * @param jobs also run ghost_session_cleanup (10 min) and no_js_cleanup (15 min)
   * @param beaconsAreRequests whether the tracker's posts to /track/engagement count as tracked
   *     requests (request_count, analytics_events, detection): the notes' literal reading
   * @param isolated each actor alone: its own sessions and its own fingerprint, so no verdict comes
   *     from other people's traffic (the rules' own speed, without the UA+locale collisions)
   */
  public record Options(boolean jobs, boolean beaconsAreRequests, boolean isolated) {
    public static final Options AS_DESCRIBED = new Options(false, true, false);
    public static final Options ISOLATED = new Options(false, true, true);
    public static final Options WITH_JOBS = new Options(true, true, false);
  }

  private final SyntheticSite site;
  private final boolean jobs;
  private final boolean beaconsAreRequests;
  private final boolean isolated;
  private final Map<String, AnchorSession.Device> devices = new HashMap<>();
  private final List<AnchorSession> sessions = new ArrayList<>();
  private final Map<Integer, AnchorSession> cookies = new HashMap<>();
  private final Map<AnchorSession, Set<Integer>> members = new HashMap<>();
  private final Map<Integer, Integer> requestCount = new HashMap<>();
  private final Map<Integer, Outcome> verdicts = new HashMap<>();
  private long nextCleanup = 10 * MINUTE;
  private long nextNoJs = 15 * MINUTE;

  private AnchorBaseline(SyntheticSite site, Options options) {
    this.site = site;
    this.jobs = options.jobs();
    this.beaconsAreRequests = options.beaconsAreRequests();
    this.isolated = options.isolated();
  }

  public static Map<Integer, Outcome> run(Corpus corpus, Options options) {
    AnchorBaseline a = new AnchorBaseline(corpus.site(), options);
    for (Corpus.Scheduled s : corpus.schedule()) {
      a.runJobsUntil(s.step().at());
      if (s.step() instanceof Request r) {
        a.request(s.actor().id(), r);
      } else if (s.step() instanceof Beacons b) {
        a.beacons(s.actor().id(), b);
      }
    }
    a.runJobsUntil(Corpus.SPAN + 2 * HOUR);
    Map<Integer, Outcome> out = new HashMap<>();
    for (Actor actor : corpus.actors()) {
      int n = (int) actor.requests();
      Outcome v = a.verdicts.get(actor.id());
      out.put(
          actor.id(),
          v == null ? new Outcome(n, 0, null) : new Outcome(n, v.verdictAt(), v.reason()));
    }
    return out;
  }

  private void request(int actor, Request r) {
    int k = requestCount.merge(actor, 1, Integer::sum);
    boolean ai = AnchorRules.aiCrawler(r.userAgent());
    boolean bot = !ai && AnchorRules.bot(r.userAgent());
    if (!ai && (bot || AnchorRules.flaggedOrigin(r.ip()))) {
      if (bot) {
        verdict(actor, k, "is_bot");
      }
      return; // skip_tracking: no session row
    }
    if (AnchorRules.untracked(r.path())) {
      return;
    }
    AnchorSession s = session(actor, r);
    s.ai |= ai;
    if (site.isPage(r.path())) {
      // tracked, trackable and not a 404: the analytics middleware and the detector run
      s.track(r.at(), r.path(), true, r.userAgent());
      s.detect(r.at(), site.size(), r.userAgent());
    }
    if (s.flagged()) {
      verdict(actor, k, s.reason());
    }
  }

  /** The anchor's tracker: scroll, link_click and page_exit of at least 5 s, one post per batch. */
  private void beacons(int actor, Beacons b) {
    int rows = 0;
    boolean timed = false;
    for (Event e : b.events()) {
      if (e.type().equals("page_exit")) {
        long onPage = ((Number) e.fields().get("timeOnPageMs")).longValue();
        if (onPage >= 5000) {
          rows++;
          timed = true;
        }
      } else if (e.type().equals("scroll") || e.type().equals("link_click")) {
        rows++;
      }
    }
    AnchorSession s = cookies.get(actor);
    if (rows == 0 || s == null) {
      return;
    }
    s.engagementRows += rows;
    s.device.engagementRows += rows;
    s.engagementWithTime |= timed;
    if (beaconsAreRequests) {
      s.track(b.at(), "/track/engagement", false, b.userAgent());
      s.detect(b.at(), site.size(), b.userAgent());
    }
    if (s.flagged()) {
      verdict(actor, requestCount.getOrDefault(actor, 0), s.reason());
    }
  }

  /** Cookie → that session (attestation); else anonymous creation, reused by fingerprint. */
  private AnchorSession session(int actor, Request r) {
    AnchorSession s = r.sessionKey() != null ? cookies.get(actor) : null;
    if (s == null) {
      String fp =
          AnchorRules.fingerprint(r.userAgent(), r.acceptLanguage())
              + (isolated ? "#" + actor : "");
      AnchorSession.Device d = devices.computeIfAbsent(fp, AnchorSession.Device::new);
      List<AnchorSession> live = new ArrayList<>();
      for (AnchorSession c : d.sessions) {
        if (!c.ended && c.lastActivity >= r.at() - 7 * DAY) {
          live.add(c);
        }
      }
      if (live.size() >= 5) {
        s = live.stream().min((x, y) -> Long.compare(x.lastActivity, y.lastActivity)).get();
      } else if (!live.isEmpty()) {
        s = live.stream().max((x, y) -> Long.compare(x.lastActivity, y.lastActivity)).get();
      } else {
        String landing = site.isPage(r.path()) ? r.path() : null;
        s = new AnchorSession(d, r.ip(), r.at(), landing);
        sessions.add(s);
      }
      if (r.sessionKey() != null) {
        cookies.put(actor, s);
      }
    }
    members.computeIfAbsent(s, x -> new HashSet<>()).add(actor);
    return s;
  }

  private void runJobsUntil(long t) {
    while (Math.min(nextCleanup, nextNoJs) <= t) {
      if (nextCleanup <= nextNoJs) {
        long now = nextCleanup;
        for (AnchorSession s : sessions) {
          if (!s.ended && now - s.lastActivity > HOUR) {
            s.ended = true; // cleanup_inactive_sessions: part of the lifecycle, always on
          }
          if (jobs
              && !s.flagged()
              && s.requests == 0
              && s.landing == null
              && now - s.started > 5 * MINUTE) {
            s.flagByJob(35, "ghost_session");
            jobVerdict(s);
          }
        }
        nextCleanup += 10 * MINUTE;
      } else {
        long now = nextNoJs;
        for (AnchorSession s : sessions) {
          if (jobs
              && !s.flagged()
              && s.requests > 0
              && now - s.started > 10 * MINUTE
              && !s.engagementWithTime) {
            s.flagByJob(20, "no_javascript");
            jobVerdict(s);
          }
        }
        nextNoJs += 15 * MINUTE;
      }
    }
  }

  /** Everyone whose requests went to a session a job flagged: seen in the anchor's reports. */
  private void jobVerdict(AnchorSession s) {
    for (int actor : members.getOrDefault(s, Set.of())) {
      verdict(actor, requestCount.getOrDefault(actor, 0), "job:" + s.reason());
    }
  }

  private void verdict(int actor, int atRequest, String reason) {
    verdicts.putIfAbsent(actor, new Outcome(0, Math.max(1, atRequest), reason));
  }
}
