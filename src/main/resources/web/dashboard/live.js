// The live figures: each site's stats event (every few seconds) gives active sessions, beacons and
// decisions per second and the bot share of decisions; the dashboard sums the sites in view and
// keeps the last SPARK_POINTS intervals for the sparklines.

import { $, sparkline } from './dom.js';
import { fmtCount, fmtDuration, fmtRate, fmtShare } from './format.js';
import { state } from './context.js';

const SPARK_POINTS = 60;
const STALE_MS = 20000; // a site that stopped reporting no longer counts

const latest = new Map(); // siteId -> last stats
let series = empty();
let pointSites = new Set();
let activeFromOverview = null;

function empty() {
  return { active: [], events: [], decisions: [], bots: [] };
}

export function resetLive() {
  latest.clear();
  series = empty();
  pointSites = new Set();
  activeFromOverview = null;
  renderLive();
}

/** The overview's "active now", shown until the stream has figures. */
export function setActiveFromOverview(n) {
  if (n !== null && n !== undefined) activeFromOverview = n;
  renderLive();
}

/** stats: {siteId, at, intervalSeconds, activeSessions, eventsPerSecond, decisionsPerSecond, botShare}. */
export function onStats(d) {
  if (state.site && d.siteId !== state.site) return;
  latest.set(d.siteId, Object.assign({ receivedAt: Date.now() }, d));
  const sum = aggregate();
  const point = {
    active: sum.active || 0,
    events: sum.events,
    decisions: sum.decisions,
    bots: sum.botShare === null ? 0 : sum.botShare,
  };
  // Each site reports once per interval: one point holds the sum over the sites, and a site that
  // is already in the last point starts the next one.
  const replace = series.events.length > 0 && !pointSites.has(d.siteId);
  if (!replace) pointSites = new Set();
  pointSites.add(d.siteId);
  for (const key of Object.keys(series)) {
    if (replace) series[key][series[key].length - 1] = point[key];
    else series[key].push(point[key]);
    if (series[key].length > SPARK_POINTS) series[key].shift();
  }
  const interval = Math.max(1, Math.round(d.intervalSeconds || 5));
  const span = interval * SPARK_POINTS;
  $('pulse-sub').textContent = `Every ${interval} s · last ${span % 60 === 0 ? span / 60 + ' min' : fmtDuration(span * 1000)}`;
  renderLive();
}

/** The latest stats of each site in view, summed; the bot share weighted by decisions. */
function aggregate() {
  let active = null;
  let events = 0;
  let decisions = 0;
  let bots = 0;
  let weight = 0;
  let any = false;
  for (const st of latest.values()) {
    if (Date.now() - st.receivedAt > STALE_MS) continue;
    any = true;
    if (st.activeSessions !== null && st.activeSessions !== undefined) active = (active || 0) + st.activeSessions;
    events += st.eventsPerSecond || 0;
    decisions += st.decisionsPerSecond || 0;
    if (st.botShare !== null && st.botShare !== undefined) {
      bots += st.botShare * (st.decisionsPerSecond || 0);
      weight += st.decisionsPerSecond || 0;
    }
  }
  return any ? { active, events, decisions, botShare: weight > 0 ? bots / weight : null } : null;
}

export function renderLive() {
  const sum = aggregate();
  $('pulse-events').textContent = sum ? fmtRate(sum.events) : '—';
  $('pulse-decisions').textContent = sum ? fmtRate(sum.decisions) : '—';
  $('pulse-bots').textContent = sum && sum.botShare !== null ? fmtShare(sum.botShare) : '—';
  sparkline($('spark-events'), series.events, { floor: 1 });
  sparkline($('spark-decisions'), series.decisions, { floor: 1 });
  sparkline($('spark-bots'), series.bots, { floor: 0.1, ceiling: 1 });

  const active = sum && sum.active !== null ? sum.active : activeFromOverview;
  $('kpi-active-value').textContent = fmtCount(active);
  sparkline($('spark-active'), series.active, { floor: 2, relative: true });
  document.title = (active > 0 ? `${active} active · ` : '') + 'Vigil';
}
