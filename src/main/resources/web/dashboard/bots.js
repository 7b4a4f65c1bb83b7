// Bots & throttle: the 30-day split and top offending fingerprints from GET /v1/analytics/bots,
// and a live feed of throttle changes, bot verdicts and anomalies from the stream.

import { $, h, clear, show, chip, splitBar, feedRow, prependBounded } from './dom.js';
import { capitalise, classLabel, fmtCount, fmtShare, isBotClass, shortId } from './format.js';
import { state, withSite, panelError } from './context.js';

const FEED_MAX = 40;
const LEVELS = ['normal', 'warning', 'severe', 'blocked'];
const verdicts = new Set(); // sessionId|class already in the feed

export async function loadBots() {
  try {
    const r = await state.api.get(withSite('/v1/analytics/bots', { limit: 5 }));
    panelError('bots-error', null);
    const t = r.totals || {};
    $('bots-share').textContent = t.botShare === null || t.botShare === undefined ? 'no sessions' : fmtShare(t.botShare) + ' bots';
    const parts = [
      { label: 'Humans', value: t.human || 0 },
      { label: 'Bots', value: t.bot || 0 },
      { label: 'Ghosts', value: t.ghost || 0 },
    ];
    splitBar($('bots-split'), $('bots-legend'), parts, fmtShare);
    const list = $('offenders');
    clear(list);
    for (const f of r.topFingerprints || []) list.append(offender(f));
    show($('offenders-empty'), list.children.length === 0);
  } catch (e) {
    panelError('bots-error', e);
  }
}

function offender(f) {
  const level = f.effectiveLevel || f.level || 'normal';
  const name = f.immediateName || (f.immediateClass ? classLabel(f.immediateClass) + ' ' : '') + shortId(f.fingerprintId, 14);
  const why = (f.reasons || []).length ? ' — ' + f.reasons.join(', ') : '';
  return h(
    'li',
    { data: { testid: 'offender-row' } },
    h('span', { className: 'offender-name', text: name, title: f.fingerprintId + why }),
    h('span', { className: 'offender-figures', text: `${fmtCount(f.requests)} req · ${fmtCount(f.sessions)} sess` }),
    chip(capitalise(level) + (f.pinnedLevel ? ' (pinned)' : ''), { level }),
  );
}

/** One entry of the live feed: {tone, icon, title: [nodes or strings], text, at}. */
export function addFeed(item) {
  prependBounded($('bot-feed'), feedRow(item, 'feed-row'), FEED_MAX);
  renderFeedEmpty();
}

export function renderFeedEmpty() {
  show($('bot-feed-empty'), $('bot-feed').children.length === 0);
}

export function resetFeed() {
  clear($('bot-feed'));
  verdicts.clear();
  renderFeedEmpty();
}

/** throttle.changed: {fingerprintId, from, to, reason, pinned, at}. */
export function onThrottle(d) {
  const up = LEVELS.indexOf(d.to) > LEVELS.indexOf(d.from);
  addFeed({
    tone: !up ? 'good' : d.to === 'blocked' || d.to === 'severe' ? 'bad' : 'warn',
    icon: 'shield',
    title: [
      chip(capitalise(d.from), { level: d.from }),
      h('span', { className: 'arrow-sep', text: '→' }),
      chip(capitalise(d.to), { level: d.to }),
      h('span', { className: 'cell-mono', text: shortId(d.fingerprintId, 14), title: d.fingerprintId }),
    ],
    text: (d.reason || (up ? 'escalated' : 'cooled down')) + (d.pinned ? ' · pinned ' + d.pinned : ''),
    at: d.at,
  });
}

/** session.classified: a bot verdict goes in the feed once per session and class. */
export function onClassified(d) {
  if (!isBotClass(d.class)) return;
  const key = d.sessionId + '|' + d.class;
  if (verdicts.has(key)) return;
  verdicts.add(key);
  const why = d.reasons && d.reasons.length ? d.reasons.join(', ') : 'score ' + (d.score || 0);
  addFeed({
    tone: d.class === 'known_bot' || d.class === 'ai_crawler' ? 'info' : 'bad',
    icon: 'bot',
    title: [
      chip(classLabel(d.class), { class: d.class }),
      h('span', { className: 'cell-mono', text: shortId(d.sessionId, 14), title: d.sessionId }),
    ],
    text: why + (d.landingPath ? ' · ' + d.landingPath : ''),
    at: d.lastSeenAt || d.startedAt,
  });
}
