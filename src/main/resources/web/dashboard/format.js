// Numbers, times and names as the dashboard shows them. Pure functions: no DOM, no state.

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat('en-US');

export const WINDOWS = { '24h': '24 h', '7d': '7 d', '30d': '30 d' };

const CLASS_LABELS = {
  human: 'Human',
  ghost: 'Ghost',
  known_bot: 'Known bot',
  ai_crawler: 'AI crawler',
  spoofed_crawler: 'Spoofed crawler',
  automation: 'Automation',
  scanner: 'Scanner',
  behavioural_bot: 'Behavioural bot',
};

// The metrics of sql/V6__anomalies.sql, named for what a person sees happen.
const METRICS = {
  requests_per_minute: { label: 'Request spike', unit: 'req/min' },
  sessions_per_fingerprint: { label: 'Session flood', unit: 'sessions / 24 h' },
  error_rate: { label: 'Error burst', unit: 'errors', share: true },
  distinct_ips_per_fingerprint: { label: 'IP rotation', unit: 'IPs / 24 h' },
  bot_share: { label: 'Bot surge', unit: 'of sessions', share: true },
  cost_per_minute: { label: 'AI cost spike', unit: '/min', usd: true },
  cost: { label: 'AI budget', unit: 'of budget', share: true },
};

export function fmtCount(n) {
  if (n === null || n === undefined) return '—';
  return Math.abs(n) >= 10000 ? compact.format(n) : plain.format(Math.round(n));
}

/** A fraction (0..1) as a percentage. */
export function fmtShare(f) {
  if (f === null || f === undefined) return '—';
  const pct = f * 100;
  return (pct >= 10 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)) + '%';
}

/** Events or decisions per second. */
export function fmtRate(x) {
  if (x === null || x === undefined) return '—';
  if (x === 0) return '0';
  if (x < 10) return x.toFixed(x < 1 ? 2 : 1);
  return x < 10000 ? plain.format(Math.round(x)) : compact.format(x);
}

export function fmtNumber(x) {
  if (x === null || x === undefined) return '—';
  return Number.isInteger(x) ? plain.format(x) : plain.format(Math.round(x * 10) / 10);
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms > 0 && ms < 1000) return Math.round(ms) + ' ms';
  const total = Math.round(ms / 1000);
  if (total < 60) return total + ' s';
  const m = Math.floor(total / 60);
  if (m < 60) return m + 'm ' + String(total % 60).padStart(2, '0') + 's';
  return Math.floor(m / 60) + 'h ' + String(m % 60).padStart(2, '0') + 'm';
}

/** Integer microdollars, as the ledger keeps money. */
export function fmtUsd(micro) {
  const usd = (micro || 0) / 1e6;
  if (usd > 0 && usd < 0.01) return '$' + usd.toFixed(4);
  return '$' + usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function relTime(iso) {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const sec = Math.round((Date.now() - t) / 1000);
  if (sec < 5) return 'just now';
  if (sec < 60) return sec + ' s ago';
  if (sec < 3600) return Math.floor(sec / 60) + ' min ago';
  if (sec < 86400) return Math.floor(sec / 3600) + ' h ago';
  return Math.floor(sec / 86400) + ' d ago';
}

export function shortId(id, keep) {
  if (!id) return '—';
  const n = keep || 12;
  return id.length > n + 2 ? id.slice(0, n) + '…' : id;
}

export function classLabel(c) {
  return c ? CLASS_LABELS[c] || c.replace(/_/g, ' ') : 'Unclassified';
}

/** Every class but human and ghost is a bot (as the server's reports count them). */
export function isBotClass(c) {
  return Boolean(c) && c !== 'human' && c !== 'ghost';
}

export function capitalise(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export function metricInfo(metric) {
  return METRICS[metric] || { label: (metric || 'metric').replace(/_/g, ' '), unit: '' };
}

/** A metric's value with its unit; bare leaves the unit out. */
export function metricValue(metric, value, bare) {
  const info = metricInfo(metric);
  if (value === null || value === undefined) return '—';
  const unit = bare ? '' : info.unit;
  if (info.usd) return fmtUsd(value) + unit;
  if (info.share) return (fmtShare(value) + ' ' + unit).trim();
  return (fmtNumber(value) + ' ' + unit).trim();
}

/** The change against the previous window: arrow, tone and text. */
export function change(pct, upIsGood) {
  const tone = pct === 0 ? 'flat' : pct > 0 === upIsGood ? 'good' : 'bad';
  const arrow = pct > 0 ? '▲' : pct < 0 ? '▼' : '■';
  return { tone, arrow };
}
