// Agent activity: the AI ledger's live events (ledger.request, ledger.tool, ledger.budget).

import { $, h, clear, show, chip, feedRow, prependBounded } from './dom.js';
import { fmtCount, fmtDuration, fmtUsd } from './format.js';

const MAX_ROWS = 30;
let spend = 0;

export function resetLedger() {
  clear($('ledger-feed'));
  spend = 0;
  renderLedger();
}

// AI calls end completed, failed or rejected; tool runs success, failed, timeout or denied.
function failed(status) {
  return Boolean(status) && status !== 'completed' && status !== 'success';
}

export function onLedger(type, d) {
  let item;
  if (type === 'ledger.request') {
    spend += d.costMicrodollars || 0;
    const cost = d.priced === false ? 'not priced' : fmtUsd(d.costMicrodollars);
    item = {
      tone: failed(d.status) ? 'bad' : 'info',
      icon: 'spark',
      title: [h('span', { text: d.model || 'model call' }), failed(d.status) ? chip(d.status, { level: 'warning' }) : null],
      text: [d.agent || d.provider, fmtCount(d.totalTokens) + ' tokens', cost].filter(Boolean).join(' · '),
      at: d.startedAt,
    };
  } else if (type === 'ledger.tool') {
    const took = d.durationMs === null || d.durationMs === undefined ? null : fmtDuration(d.durationMs);
    item = {
      tone: failed(d.status) ? 'bad' : 'info',
      icon: 'tool',
      title: [h('span', { text: d.toolName || 'tool run' }), failed(d.status) ? chip(d.status, { level: 'warning' }) : null],
      text: [d.serverName, d.agent, took].filter(Boolean).join(' · '),
      at: d.startedAt,
    };
  } else {
    const limit = d.dayLimitMicrodollars ? ` of ${fmtUsd(d.dayLimitMicrodollars)} today` : '';
    item = {
      tone: d.level === 'critical' ? 'bad' : 'warn',
      icon: 'coin',
      title: [chip('Budget ' + d.level, { level: d.level }), h('span', { text: `${d.subjectKind} ${d.subjectId}` })],
      text: `${fmtUsd(d.daySpentMicrodollars)} spent${limit}`,
      at: d.at,
    };
  }
  prependBounded($('ledger-feed'), feedRow(item, 'ledger-row'), MAX_ROWS);
  renderLedger();
}

export function renderLedger() {
  show($('ledger-empty'), $('ledger-feed').children.length === 0);
  $('ledger-spend').textContent = fmtUsd(spend) + ' seen live';
}
