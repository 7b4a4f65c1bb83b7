package dev.vigil.session;

import dev.vigil.CborSerializable;
import dev.vigil.engagement.Beacon;
import dev.vigil.engagement.Engagement;
import dev.vigil.engagement.EventType;
import java.time.Instant;

/**
 * A session's activity totals. Pure arithmetic over beacons (no Pekko), so the entity decides only
 * when to journal them.
 */
public record Activity(
    int pageViews,
    int beacons,
    int clicks,
    int rageClicks,
    int deadClicks,
    long timeOnPageMs,
    int maxScrollDepth,
    int conversions,
    int requests)
    implements CborSerializable {

  public static final Activity NONE = new Activity(0, 0, 0, 0, 0, 0, 0, 0, 0);

  /**
   * What one beacon adds: a page view, a page's engagement numbers, a conversion. Only {@code
   * page_exit} adds to the sums: an {@code engagement} beacon is a snapshot of the same page's
   * running numbers (sent when the tab is hidden), so adding both would count a page twice; it
   * still raises the maximum scroll depth.
   */
  public Activity plus(PageSignal s) {
    boolean page = s.type() == EventType.PAGE_VIEW;
    boolean exit = s.type() == EventType.PAGE_EXIT;
    return new Activity(
        pageViews + (page ? 1 : 0),
        beacons + 1,
        clicks + (exit ? s.clicks() : 0),
        rageClicks + (exit ? s.rageClicks() : 0),
        deadClicks + (exit ? s.deadClicks() : 0),
        timeOnPageMs + (exit ? s.timeOnPageMs() : 0),
        Math.max(maxScrollDepth, s.maxScrollDepth()),
        conversions + (s.type() == EventType.CONVERSION ? 1 : 0),
        requests);
  }

  /** One more request seen by the edge for this session. */
  public Activity withRequest() {
    return new Activity(
        pageViews,
        beacons,
        clicks,
        rageClicks,
        deadClicks,
        timeOnPageMs,
        maxScrollDepth,
        conversions,
        requests + 1);
  }

  /** The sum of two periods' activity (maximum for the scroll depth). */
  public Activity add(Activity b) {
    return new Activity(
        pageViews + b.pageViews(),
        beacons + b.beacons(),
        clicks + b.clicks(),
        rageClicks + b.rageClicks(),
        deadClicks + b.deadClicks(),
        timeOnPageMs + b.timeOnPageMs(),
        Math.max(maxScrollDepth, b.maxScrollDepth()),
        conversions + b.conversions(),
        requests + b.requests());
  }

  /**
   * The part of one beacon the session needs, small enough to send to the entity on every batch.
   */
  public record PageSignal(
      EventType type,
      Instant ts,
      String url,
      String path,
      String referrerHost,
      String utmSource,
      String utmMedium,
      String utmCampaign,
      int timeOnPageMs,
      int maxScrollDepth,
      int clicks,
      int rageClicks,
      int deadClicks,
      String goal)
      implements CborSerializable {

    public static PageSignal of(Beacon b) {
      Engagement e = b.engagement();
      Beacon.Utm utm = b.utm() == null ? Beacon.Utm.NONE : b.utm();
      return new PageSignal(
          b.type(),
          b.ts(),
          b.url(),
          b.path(),
          b.referrerHost(),
          utm.source(),
          utm.medium(),
          utm.campaign(),
          e == null ? 0 : e.timeOnPageMs(),
          e == null ? 0 : e.maxScrollDepth(),
          e == null ? 0 : e.clicks(),
          e == null ? 0 : e.rageClicks(),
          e == null ? 0 : e.deadClicks(),
          b.goal());
    }
  }
}
