// Live sessions: filled from GET /v1/sessions, then kept current by session.* stream events (the
// same row shape). Rows are updated in place, so a new or changed session flashes once.

import { $, h, clear, show, chip, timeAgo } from './dom.js';
import { fmtCount, fmtDuration, shortId, classLabel } from './format.js';
import { state, withSite, panelError } from './context.js';

const MAX_ROWS = 60;
const ACTIVE_MS = 5 * 60 * 1000; // as the server's "active now"

const sessions = new Map(); // sessionId -> row
const rows = new Map(); // sessionId -> <tr>
let renderTimer = null;

export async function loadSessions() {
  try {
    const data = await state.api.get(withSite('/v1/sessions', { limit: 50 }));
    for (const row of data.sessions || []) upsertSession(row, false);
    panelError('sessions-error', null);
    renderSessions();
  } catch (e) {
    panelError('sessions-error', e);
  }
}

/** A session.* event: merged now, drawn with the next frame of changes. */
export function onSessionEvent(row) {
  upsertSession(row, true);
  if (!renderTimer) {
    renderTimer = setTimeout(() => {
      renderTimer = null;
      renderSessions();
    }, 150);
  }
}

export function resetSessions() {
  sessions.clear();
  rows.clear();
  clear($('live-sessions'));
}

function lastSeen(session) {
  return Date.parse(session.lastSeenAt || session.startedAt || 0) || 0;
}

function isActive(session) {
  return !session.endedAt && Date.now() - lastSeen(session) < ACTIVE_MS;
}

/** Merges a row of the list or of the stream. */
function upsertSession(row, live) {
  if (!row || !row.sessionId) return;
  if (state.site && row.siteId && row.siteId !== state.site) return;
  const before = sessions.get(row.sessionId);
  if (before && !live && lastSeen(before) > lastSeen(row)) {
    // the table lags the stream: keep the newer live figures, take what only the table knows
    if (row.throttleLevel) before.throttleLevel = row.throttleLevel;
    return;
  }
  const merged = Object.assign({}, before || {}, row);
  // a live row has no throttle level (it lives with the fingerprint): keep the table's
  if (!row.throttleLevel && before) merged.throttleLevel = before.throttleLevel;
  merged.changedAt = live ? Date.now() : before ? before.changedAt : 0;
  merged.arrivedLive = !before && live;
  sessions.set(row.sessionId, merged);
}

export function renderSessions() {
  const tbody = $('live-sessions');
  const ordered = [...sessions.values()].sort((a, b) => lastSeen(b) - lastSeen(a));
  // memory stays bounded: the oldest sessions leave the map, not only the table
  for (const gone of ordered.slice(MAX_ROWS * 2)) sessions.delete(gone.sessionId);
  const shown = ordered.slice(0, MAX_ROWS);
  const keep = new Set(shown.map((x) => x.sessionId));
  for (const [id, tr] of rows) {
    if (!keep.has(id)) {
      tr.remove();
      rows.delete(id);
    }
  }
  shown.forEach((session, index) => {
    let tr = rows.get(session.sessionId);
    if (!tr) {
      tr = h('tr', { className: 'session-row', data: { testid: 'session-row', sessionId: session.sessionId } });
      rows.set(session.sessionId, tr);
      if (session.arrivedLive) tr.classList.add('is-new');
    }
    const version = versionOf(session);
    if (tr.dataset.version !== version) {
      const changed = Boolean(tr.dataset.version);
      fillRow(tr, session);
      tr.dataset.version = version;
      if (changed && Date.now() - session.changedAt < 2000) {
        tr.classList.remove('is-updated');
        void tr.offsetWidth; // restarts the flash
        tr.classList.add('is-updated');
      }
    }
    tr.dataset.active = String(isActive(session));
    // moved only when out of place: moving a row restarts its animation
    const at = tbody.children[index];
    if (at !== tr) tbody.insertBefore(tr, at || null);
  });
  $('sessions-count').textContent = `${shown.filter(isActive).length} active`;
  show($('sessions-empty'), shown.length === 0);
}

function versionOf(x) {
  return [
    x.lastSeenAt,
    x.endedAt,
    x.pageViews,
    x.timeOnPageMs,
    x.maxScrollDepth,
    x.class,
    x.score,
    x.throttleLevel,
    x.userId,
  ].join('|');
}

function stack(title, sub, extra) {
  return h(
    'div',
    { className: 'cell-stack' + (extra ? ' ' + extra : '') },
    title,
    sub === null || sub === undefined ? null : sub,
  );
}

function fillRow(tr, x) {
  clear(tr);
  const active = isActive(x);
  const landing = x.landingPath || (x.landingUrl ? pathOf(x.landingUrl) : null);
  const dot = h('span', {
    className: 'state-dot',
    data: { active: String(active) },
    title: active ? 'active' : x.endedAt ? 'ended' : 'idle',
  });
  tr.append(
    h(
      'td',
      null,
      h(
        'div',
        { className: 'cell-main' },
        dot,
        stack(
          h('span', { className: 'cell-title', text: landing || 'No page view yet', title: x.landingUrl || '' }),
          h('span', {
            className: 'cell-sub cell-mono',
            text: shortId(x.sessionId, 14) + (x.userId ? ' · ' + x.userId : ''),
            title: x.sessionId,
          }),
        ),
      ),
    ),
  );

  const utm = [x.utmSource, x.utmMedium, x.utmCampaign].filter(Boolean).join(' / ');
  const source = x.referrerHost ? x.referrerHost.replace(/^www\./, '') : 'Direct';
  tr.append(
    h(
      'td',
      null,
      stack(
        h('span', { className: 'cell-title', text: source, title: x.referrerHost || 'no referrer' }),
        utm ? h('span', { className: 'cell-sub', text: utm }) : null,
      ),
    ),
  );

  const device = [x.os, x.deviceClass].filter(Boolean).join(' · ');
  tr.append(
    h(
      'td',
      null,
      stack(
        h('span', { className: 'cell-title', text: x.browser || 'Unknown client' }),
        device ? h('span', { className: 'cell-sub', text: device }) : null,
      ),
    ),
  );

  tr.append(h('td', { className: 'num', text: fmtCount(x.pageViews || 0) }));

  const depth = Math.max(0, Math.min(100, x.maxScrollDepth || 0));
  const fill = h('div', { className: 'meter-fill' });
  fill.style.width = depth + '%';
  const scroll = x.pageViews
    ? h('span', { className: 'cell-sub scroll-meter', title: 'deepest scroll' }, h('span', { className: 'meter' }, fill), depth + '%')
    : h('span', { className: 'cell-sub', text: 'no beacons' });
  const engaged = h('span', { className: 'cell-title', text: x.timeOnPageMs ? fmtDuration(x.timeOnPageMs) : '—' });
  tr.append(h('td', { className: 'num' }, stack(engaged, scroll, 'cell-right')));

  const classSub = h('span', { className: 'cell-sub' });
  if (x.class && x.class !== 'human') {
    classSub.append(h('span', { text: 'score ' + (x.score || 0), title: (x.reasons || []).join(', ') }));
  } else if (x.class === 'human') {
    classSub.append(x.pageViews ? 'engaged visitor' : 'no page yet');
  }
  if (x.throttleLevel && x.throttleLevel !== 'normal') {
    classSub.append(' · ', h('span', { className: 'level-text', data: { level: x.throttleLevel }, text: x.throttleLevel }));
  }
  const classChip = chip(classLabel(x.class), { class: x.class || 'unknown' });
  tr.append(h('td', null, stack(classChip, classSub, 'cell-class')));

  tr.append(h('td', { className: 'num muted-cell' }, timeAgo(x.lastSeenAt || x.startedAt)));
}

function pathOf(url) {
  try {
    return new URL(url).pathname;
  } catch (e) {
    return url;
  }
}
