package dev.vigil.fingerprint;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this node has learnt about each site from its traffic, for the signals that need it: how
 * many distinct pages the site has (high_page_coverage; at least the configured default) and
 * whether it runs the tracker (no_js_engagement only fires on sites that do). Node-local and
 * approximate by design: each node learns from the traffic it sees, with no coordination on the hot
 * path; distinct pages are counted up to {@value #MAX_PAGES} per site.
 */
public final class SiteTraffic {
  static final int MAX_PAGES = 20_000;

  private static final class Site {
    final Set<Integer> pages = ConcurrentHashMap.newKeySet();
    volatile boolean beacons;
  }

  private final ConcurrentHashMap<String, Site> sites = new ConcurrentHashMap<>();
  private final int defaultPages;

  public SiteTraffic(int defaultPages) {
    this.defaultPages = defaultPages;
  }

  public void pageSeen(String siteId, String path) {
    Site s = site(siteId);
    if (s.pages.size() < MAX_PAGES) {
      s.pages.add(path.hashCode());
    }
  }

  public void beaconsSeen(String siteId) {
    site(siteId).beacons = true;
  }

  public int pages(String siteId) {
    Site s = sites.get(siteId);
    return Math.max(defaultPages, s == null ? 0 : s.pages.size());
  }

  public boolean runsTracker(String siteId) {
    Site s = sites.get(siteId);
    return s != null && s.beacons;
  }

  private Site site(String siteId) {
    return sites.computeIfAbsent(siteId, k -> new Site());
  }
}
