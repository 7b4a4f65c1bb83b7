// The reports: the overview ribbon (24 h / 7 d / 30 d against the window before), content and
// traffic. Read from the REST API on a timer, after live activity and after a stream reset.

import { $, h, clear, show, bars, splitBar } from './dom.js';
import { WINDOWS, change, fmtCount, fmtDuration, fmtShare } from './format.js';
import { state, withSite, panelError } from './context.js';

const KPIS = [
  { key: 'sessions', label: 'Sessions', format: fmtCount, upIsGood: true },
  { key: 'visitors', label: 'Visitors', format: fmtCount, upIsGood: true },
  { key: 'pageViews', label: 'Page views', format: fmtCount, upIsGood: true },
  { key: 'conversions', label: 'Conversions', format: fmtCount, upIsGood: true },
  { key: 'botShare', label: 'Bot share', format: fmtShare, upIsGood: false },
];

let overview = null;

/** Loads the overview; returns its "active now" for the live card. */
export async function loadOverview() {
  try {
    overview = await state.api.get(withSite('/v1/analytics/overview'));
    renderOverview();
    return overview.activeNow;
  } catch (e) {
    renderOverview(e);
    return null;
  }
}

export function resetOverview() {
  overview = null;
  renderOverview();
}

export function setWindow(w) {
  state.window = WINDOWS[w] ? w : '24h';
  for (const b of $('window-toggle').querySelectorAll('button')) {
    b.setAttribute('aria-pressed', String(b.dataset.window === state.window));
  }
  renderOverview();
}

export function renderOverview(error) {
  const windows = overview ? overview.windows || {} : {};
  for (const kpi of KPIS) {
    const card = document.querySelector(`.kpi[data-kpi="${kpi.key}"]`);
    clear(card);
    const fig = windows[state.window] ? windows[state.window][kpi.key] : null;
    card.append(h('div', { className: 'kpi-label', text: kpi.label }));
    card.append(
      h('div', {
        className: 'kpi-value',
        text: fig ? kpi.format(fig.current) : error ? '!' : '—',
        data: { testid: 'kpi-value' },
        title: error ? error.message : null,
      }),
    );
    const foot = h('div', { className: 'kpi-foot' });
    if (fig) {
      foot.append(delta(fig, kpi), h('span', { text: 'vs previous ' + WINDOWS[state.window] }));
    } else {
      foot.append(h('span', { text: error ? 'could not load: ' + error.message : 'loading…' }));
    }
    card.append(foot);
    const others = h('div', { className: 'kpi-others' });
    for (const w of Object.keys(WINDOWS)) {
      if (w === state.window) continue;
      const other = windows[w] ? windows[w][kpi.key] : null;
      const item = h('span', null, WINDOWS[w] + ' ', h('b', { text: other ? kpi.format(other.current) : '—' }));
      if (other && other.changePct !== null && other.changePct !== undefined) {
        const c = change(other.changePct, kpi.upIsGood);
        item.append(' ', h('span', { className: 'trend', data: { trend: c.tone }, text: c.arrow + Math.abs(other.changePct).toFixed(0) + '%' }));
      }
      others.append(item);
    }
    card.append(others);
  }
}

/** The change against the previous window: a coloured arrow and percent. */
function delta(fig, kpi) {
  const pct = fig.changePct;
  if (pct === null || pct === undefined) {
    // nothing to compare with: the previous window was empty
    const fresh = fig.current && !fig.previous;
    return h('span', { className: 'delta', data: { tone: 'none' }, text: fresh ? 'new' : '—' });
  }
  const c = change(pct, kpi.upIsGood);
  const previous = fig.previous === null ? '—' : kpi.format(fig.previous);
  return h('span', {
    className: 'delta',
    data: { tone: c.tone, testid: 'trend' },
    text: `${c.arrow} ${Math.abs(pct).toFixed(1)}%`,
    title: `previous ${WINDOWS[state.window]}: ${previous}`,
  });
}

export async function loadContent() {
  try {
    const r = await state.api.get(withSite('/v1/analytics/content', { limit: 8 }));
    panelError('content-error', null);
    const body = $('content-rows');
    clear(body);
    for (const c of r.content || []) body.append(contentRow(c));
    show($('content-empty'), body.children.length === 0);
  } catch (e) {
    panelError('content-error', e);
  }
}

function contentRow(c) {
  const arrow = c.trend === 'up' ? '▲' : c.trend === 'down' ? '▼' : '–';
  const time = c.avgTimeOnPageMs === null ? '—' : fmtDuration(c.avgTimeOnPageMs);
  const depth = c.avgScrollDepth === null ? '—' : Math.round(c.avgScrollDepth) + '%';
  return h(
    'tr',
    { data: { testid: 'content-row' } },
    h('td', null, h('span', { className: 'content-path', text: c.key, title: c.key })),
    h('td', { className: 'num', text: fmtCount(c.views) }),
    h('td', { className: 'num muted-cell', text: time }),
    h('td', { className: 'num muted-cell', text: depth }),
    h(
      'td',
      { className: 'num' },
      h('span', {
        className: 'trend',
        data: { trend: c.trend },
        text: arrow,
        title: `${c.views7d} views in 7 d, ${c.views30d} in 30 d`,
      }),
    ),
  );
}

export async function loadTraffic() {
  try {
    const r = await state.api.get(withSite('/v1/analytics/traffic', { limit: 6 }));
    panelError('traffic-error', null);
    const total = r.totalSessions || 0;
    const items = (buckets, max) =>
      buckets.slice(0, max).map((b) => ({
        label: b.key || 'Unknown',
        value: b.sessions,
        text: `${fmtCount(b.sessions)} · ${total ? fmtShare(b.sessions / total) : '—'}`,
      }));
    $('traffic-total').textContent = fmtCount(total) + ' sessions';
    bars($('traffic-sources'), items(r.sources || [], 6));
    const devices = (r.devices || []).slice(0, 3).map((b) => ({ label: b.key || 'Unknown', value: b.sessions }));
    splitBar($('traffic-devices'), $('traffic-devices-legend'), devices, fmtShare);
    bars($('traffic-browsers'), items(r.browsers || [], 4));
    show($('traffic'), total > 0);
    show($('traffic-empty'), total === 0);
  } catch (e) {
    panelError('traffic-error', e);
  }
}
