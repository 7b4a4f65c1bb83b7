// Open anomalies: GET /v1/anomalies?state=open, refetched on every anomaly.* stream event. The
// row is written by a projection a moment after the event, so an anomaly opened on the stream is
// shown at once from the event and replaced by the stored row when it appears.

import { $, h, clear, show, chip, timeAgo, toast } from './dom.js';
import { capitalise, metricInfo, metricValue, shortId } from './format.js';
import { state, withSite, panelError } from './context.js';
import { addFeed } from './bots.js';

const PENDING_MS = 120000; // how long the stream's word stands in for a row not stored yet

const stored = new Map(); // anomalyId -> row of the list
const pending = new Map(); // anomalyId -> {since, row}: opened on the stream, not listed yet
const closed = new Map(); // anomalyId -> when the stream said closed: hides a stale listed row
const acknowledged = new Map(); // anomalyId -> {by, at}: acknowledged here, maybe not listed so yet
const acking = new Set();
const seen = new Set();
let loaded = false;
let refetch = [];

export async function loadAnomalies() {
  try {
    const data = await state.api.get(withSite('/v1/anomalies', { state: 'open', limit: 100 }));
    stored.clear();
    for (const row of data.anomalies || []) {
      const closedAt = closed.get(row.anomalyId);
      if (closedAt && Date.now() - closedAt < PENDING_MS) continue;
      stored.set(row.anomalyId, row);
      pending.delete(row.anomalyId);
    }
    for (const [id, p] of pending) {
      if (Date.now() - p.since > PENDING_MS) pending.delete(id);
    }
    panelError('anomalies-error', null);
    renderAnomalies();
    loaded = true;
  } catch (e) {
    panelError('anomalies-error', e);
  }
}

export function resetAnomalies() {
  for (const m of [stored, pending, closed, acknowledged]) m.clear();
  acking.clear();
  seen.clear();
  loaded = false;
  refetch.forEach(clearTimeout);
  refetch = [];
}

/** anomaly.opened, anomaly.escalated, anomaly.closed. */
export function onAnomalyEvent(type, d) {
  if (!d.id) return;
  if (type === 'anomaly.closed') {
    closed.set(d.id, Date.now());
    stored.delete(d.id);
    pending.delete(d.id);
  } else {
    remember(type, d);
    addFeed({
      tone: d.level === 'critical' ? 'bad' : 'warn',
      icon: 'alert',
      title: [chip(capitalise(d.level), { level: d.level }), metricInfo(d.metric).label],
      text: `${d.subjectKind} ${shortId(d.subjectId, 16)} · ${metricValue(d.metric, d.value)}`,
      at: d.at,
    });
  }
  renderAnomalies();
  refetch.forEach(clearTimeout);
  refetch = [1200, 4000, 10000].map((ms) => setTimeout(loadAnomalies, ms));
}

function remember(type, d) {
  const known = stored.get(d.id);
  if (known) {
    Object.assign(known, {
      level: d.level,
      value: d.value,
      threshold: d.threshold,
      peak: Math.max(known.peak || 0, d.peak || 0),
    });
    if (type === 'anomaly.escalated') known.escalatedAt = d.at;
    return;
  }
  const before = pending.get(d.id);
  pending.set(d.id, {
    since: before ? before.since : Date.now(),
    row: {
      anomalyId: d.id,
      siteId: d.siteId,
      subjectKind: d.subjectKind,
      subjectId: d.subjectId,
      metric: d.metric,
      level: d.level,
      value: d.value,
      baseline: d.baseline,
      threshold: d.threshold,
      peak: d.peak,
      openedAt: before ? before.row.openedAt : d.at,
      escalatedAt: type === 'anomaly.escalated' ? d.at : null,
      acknowledgedBy: null,
      notStored: true,
    },
  });
}

function current() {
  const rows = [...stored.values()];
  for (const [id, p] of pending) {
    if (!stored.has(id)) rows.push(p.row);
  }
  return rows.map((a) => {
    const mine = acknowledged.get(a.anomalyId);
    return a.acknowledgedBy || !mine ? a : Object.assign({}, a, { acknowledgedBy: mine.by, acknowledgedAt: mine.at });
  });
}

export function renderAnomalies() {
  const list = $('anomalies');
  clear(list);
  const rows = current().sort((a, b) => {
    const ack = (a.acknowledgedBy ? 1 : 0) - (b.acknowledgedBy ? 1 : 0);
    if (ack) return ack;
    const level = (b.level === 'critical' ? 1 : 0) - (a.level === 'critical' ? 1 : 0);
    if (level) return level;
    return Date.parse(b.openedAt || 0) - Date.parse(a.openedAt || 0);
  });
  for (const a of rows) {
    const li = anomalyRow(a);
    if (loaded && !seen.has(a.anomalyId)) li.classList.add('is-new');
    seen.add(a.anomalyId);
    list.append(li);
  }
  const open = rows.filter((a) => !a.acknowledgedBy);
  const badge = $('anomalies-count');
  badge.textContent = rows.length === 0 ? 'none' : `${rows.length} open`;
  badge.title = `${open.length} not acknowledged yet`;
  badge.className = 'badge' + (open.some((a) => a.level === 'critical') ? ' badge-bad' : '');
  show($('anomalies-empty'), rows.length === 0);
}

function anomalyRow(a) {
  const info = metricInfo(a.metric);
  const li = h('li', {
    className: 'anomaly-row',
    data: {
      testid: 'anomaly-row',
      anomalyId: a.anomalyId,
      level: a.level,
      acknowledged: String(Boolean(a.acknowledgedBy)),
    },
  });
  li.append(
    h(
      'div',
      { className: 'anomaly-title' },
      chip(capitalise(a.level), { level: a.level }),
      h('span', { text: info.label, title: a.metric }),
    ),
  );
  const figures = [metricValue(a.metric, a.value)];
  if (a.baseline !== null && a.baseline !== undefined) {
    figures.push('baseline ' + metricValue(a.metric, a.baseline, true));
  }
  figures.push('threshold ' + metricValue(a.metric, a.threshold, true));
  if (a.peak && a.peak > a.value) figures.push('peak ' + metricValue(a.metric, a.peak, true));
  li.append(h('div', { className: 'anomaly-figures', text: figures.join(' · ') }));
  li.append(h('div', { className: 'anomaly-action' }, action(a)));
  li.append(meta(a));
  return li;
}

function action(a) {
  if (a.acknowledgedBy) {
    return h('span', { className: 'ack-state', data: { testid: 'anomaly-acknowledged' }, text: '✓ Acknowledged' });
  }
  const busy = acking.has(a.anomalyId);
  const button = h('button', {
    className: 'button button-small',
    text: busy ? 'Acknowledging…' : 'Acknowledge',
    data: { testid: 'anomaly-ack' },
    attrs: { type: 'button' },
    title: 'Mark as seen; it stays open until the metric is quiet again',
  });
  button.disabled = busy;
  button.addEventListener('click', () => acknowledge(a));
  return button;
}

function meta(a) {
  const dot = () => h('span', { text: '·' });
  const m = h('div', { className: 'anomaly-meta' });
  m.append(h('span', { text: `${a.subjectKind} ${shortId(a.subjectId, 14)}`, title: a.subjectId }), dot());
  if (!state.site) m.append(h('span', { text: a.siteId }), dot());
  m.append(h('span', null, 'opened ', timeAgo(a.openedAt)));
  if (a.escalatedAt) m.append(dot(), h('span', null, 'escalated ', timeAgo(a.escalatedAt)));
  if (a.acknowledgedBy) {
    const who = String(a.acknowledgedBy).replace(/\s*\(tok_[^)]*\)$/, ''); // "admin (tok_…)"
    m.append(dot(), h('span', { className: 'ack-by', text: 'acknowledged by ' + who }));
  }
  return m;
}

async function acknowledge(a) {
  const id = a.anomalyId;
  acking.add(id);
  renderAnomalies();
  try {
    // Opened on the stream but not stored yet: wait for the row (bounded) rather than get a 404.
    for (let i = 0; i < 20 && !stored.has(id); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (i % 4 === 3) await loadAnomalies();
    }
    const reply = await state.api.post(`/v1/anomalies/${encodeURIComponent(id)}/ack`);
    const by = (reply && reply.acknowledgedBy) || (state.me && state.me.name) || 'you';
    const at = (reply && reply.acknowledgedAt) || new Date().toISOString();
    acknowledged.set(id, { by, at });
    toast(`${metricInfo(a.metric).label} acknowledged`, 'good');
  } catch (e) {
    if (e.status !== 401) toast(`Could not acknowledge: ${e.describe ? e.describe() : e.message}`, 'bad');
  } finally {
    acking.delete(id);
    renderAnomalies();
  }
}
