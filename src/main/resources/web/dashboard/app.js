// Vigil dashboard: static ES modules, no build step, no library. It talks only to this server's
// API with the token the user signed in with (kept in sessionStorage, so it ends with the tab),
// fills its panels from the REST reports and keeps them live from GET /v1/stream.

import { $, h, show, refreshTimes, toast, showBanner, hideBanner } from './dom.js';
import { shortId } from './format.js';
import { createApi, whoAmI } from './api.js';
import { LiveStream } from './sse.js';
import { state, withSite } from './context.js';
import { loadSessions, onSessionEvent, renderSessions, resetSessions } from './sessions.js';
import { loadAnomalies, onAnomalyEvent, renderAnomalies, resetAnomalies } from './anomalies.js';
import { loadBots, onClassified, onThrottle, resetFeed } from './bots.js';
import { loadContent, loadOverview, loadTraffic, resetOverview, setWindow } from './reports.js';
import { onStats, resetLive, setActiveFromOverview } from './live.js';
import { onLedger, resetLedger } from './ledger.js';

const TOKEN_KEY = 'vigil.token';
const SITE_KEY = 'vigil.site';
const WINDOW_KEY = 'vigil.window';
const REFRESH_MS = 30000; // the reports; the live parts follow the stream
const SOFT_REFRESH_MS = 8000; // after live activity, the reports follow at most this often

let timers = [];
let refreshing = null;
let softRefresh = null;
let liveEvents = 0;

const stream = new LiveStream({
  url: () => withSite('/v1/stream'),
  headers: (extra) => state.api.headers(extra),
  onEvent: onStreamEvent,
  onStatus: (status, label, detail) => {
    const pill = $('stream-state');
    pill.dataset.state = status;
    pill.title = detail;
    const labels = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };
    $('stream-label').textContent = label || labels[status];
  },
  onUnauthorized: (err) => signOut(`Signed out: the live stream refused this token — ${err.message}.`, true),
  onRefused: (err) => showBanner(`The live stream was refused: ${err.describe()}.`, 'bad'),
  onTooMany: (err, wait) =>
    showBanner(
      `Too many live streams are open for this token: ${err.message}. Close a dashboard tab you no` +
        ` longer use; trying again in ${Math.round(wait / 1000)} s.`,
      'warn',
    ),
});

// ---------------------------------------------------------------- sign in and out

function showSignIn(message, isError) {
  show($('app'), false);
  show($('signin'), true);
  const box = $('signin-error');
  box.textContent = message || '';
  box.dataset.tone = isError ? 'bad' : 'info';
  show(box, Boolean(message));
  const input = $('signin-token');
  input.value = '';
  input.focus();
  document.title = 'Sign in · Vigil';
}

/** What is wrong with a pasted token before asking the server, or null. */
function tokenProblem(token) {
  if (!token) return 'Paste an API token first.';
  if (/^vsk_/.test(token)) {
    return 'That is a site’s server key (vsk_…), which proxies and agents use. Sign in with an API token (vgt_…).';
  }
  if (/^vpk_/.test(token)) return 'That is a site’s public tracker key (vpk_…). Sign in with an API token (vgt_…).';
  if (/\s/.test(token)) return 'The token contains spaces or line breaks; paste it as one word.';
  if (!/^vgt_/.test(token)) return 'API tokens start with vgt_. Check that you copied the whole value.';
  return null;
}

async function onSignInSubmit(event) {
  event.preventDefault();
  const token = $('signin-token').value.trim();
  const problem = tokenProblem(token);
  if (problem) {
    $('signin-error').textContent = problem;
    $('signin-error').dataset.tone = 'bad';
    show($('signin-error'), true);
    return;
  }
  await signIn(token);
}

async function signIn(token) {
  const button = $('signin-submit');
  button.disabled = true;
  button.textContent = 'Signing in…';
  try {
    state.me = await whoAmI(token);
  } catch (err) {
    // a token the server refused is forgotten; one it could not check (server down) is kept
    if (err.status === 401 || err.status === 403) sessionStorage.removeItem(TOKEN_KEY);
    if (err.status === 401) {
      showSignIn(`Vigil refused this token: ${err.message} (401 ${err.code}). Check that it is complete and has not been revoked.`, true);
    } else if (err.status === 403) {
      showSignIn(`This token is valid but may not use the dashboard: ${err.message} (403 ${err.code}).`, true);
    } else {
      showSignIn(`Signing in failed: ${err.describe()}.`, true);
    }
    return;
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  const api = createApi(token, (err) => {
    // a late answer to a token signed out since must not sign the next one out
    if (state.api === api) signOut(`Signed out: Vigil no longer accepts this token — ${err.message}.`, true);
  });
  state.api = api;
  enterDashboard();
}

function signOut(message, isError) {
  stream.stop();
  timers.forEach(clearInterval);
  timers = [];
  clearTimeout(softRefresh);
  softRefresh = null;
  sessionStorage.removeItem(TOKEN_KEY);
  state.api = null;
  state.me = null;
  resetPanels();
  showSignIn(message, isError);
}

// ---------------------------------------------------------------- the dashboard

function enterDashboard() {
  show($('signin'), false);
  show($('app'), true);
  hideBanner();
  const me = state.me;
  $('who-name').textContent = me.name || 'API token';
  $('who-role').textContent = (me.role === 'admin' ? 'Admin' : 'Viewer') + ' · ' + shortId(me.tokenId || '', 16);
  $('who-avatar').textContent = (me.name || '?').slice(0, 1).toUpperCase();
  state.site = sessionStorage.getItem(SITE_KEY) || '';
  setWindow(sessionStorage.getItem(WINDOW_KEY) || '24h');
  resetPanels();
  loadSites();
  refreshAll();
  stream.start(true);
  timers.push(setInterval(refreshAll, REFRESH_MS));
  timers.push(setInterval(tick, 1000));
  timers.push(setInterval(renderSessions, 10000)); // rows go quiet after 5 minutes
  timers.push(setInterval(() => stream.watchdog(), 5000));
}

function resetPanels() {
  resetSessions();
  resetAnomalies();
  resetFeed();
  resetLedger();
  resetLive();
  resetOverview();
  renderSessions();
  renderAnomalies();
  liveEvents = 0;
  $('footer-events').textContent = 'No live events yet';
}

async function loadSites() {
  const select = $('site-select');
  try {
    const sites = await state.api.get('/v1/sites');
    state.sites = Array.isArray(sites) ? sites : [];
  } catch (e) {
    // the selector is a convenience: without the list the page shows every site the token may see
    state.sites = (state.me.sites || []).map((id) => ({ id, name: id }));
  }
  while (select.options.length > 1) select.remove(1);
  for (const site of state.sites) {
    const label = site.name && site.name !== site.id ? `${site.name} (${site.id})` : site.id;
    select.append(h('option', { text: label, attrs: { value: site.id } }));
  }
  if (state.site && !state.sites.some((x) => x.id === state.site)) {
    changeSite(''); // the remembered site is gone or no longer visible
  }
  select.value = state.site;
  show($('site-picker'), state.sites.length > 0);
}

function changeSite(site) {
  state.site = site;
  if (site) sessionStorage.setItem(SITE_KEY, site);
  else sessionStorage.removeItem(SITE_KEY);
  resetPanels();
  stream.start(true);
  refreshAll();
}

function refreshAll() {
  if (!state.api) return Promise.resolve();
  if (refreshing) return refreshing;
  state.lastRefresh = Date.now();
  clearTimeout(softRefresh);
  softRefresh = null;
  const button = $('refresh');
  button.dataset.busy = 'true';
  refreshing = Promise.allSettled([
    loadOverview().then(setActiveFromOverview),
    loadSessions(),
    loadAnomalies(),
    loadBots(),
    loadContent(),
    loadTraffic(),
  ]).then(() => {
    refreshing = null;
    delete button.dataset.busy;
    const sync = $('footer-sync');
    sync.dataset.prefix = 'Reports refreshed ';
    sync.dataset.ts = new Date().toISOString();
    refreshTimes();
  });
  return refreshing;
}

/** After live activity the reports follow within seconds, not on every event. */
function scheduleSoftRefresh() {
  if (softRefresh || !state.api) return;
  const wait = Math.max(2500, SOFT_REFRESH_MS - (Date.now() - state.lastRefresh));
  softRefresh = setTimeout(() => {
    softRefresh = null;
    refreshAll();
  }, wait);
}

/** Once a second: relative times and the reconnect countdown. */
function tick() {
  refreshTimes();
  const countdown = stream.countdown();
  if (countdown) $('stream-label').textContent = countdown;
}

// ---------------------------------------------------------------- stream events

function onStreamEvent(message, info) {
  switch (message.type) {
    case 'ready':
      hideBanner();
      // a fresh stream starts now: what happened before it comes from the reports
      if (!info.resumed && Date.now() - state.lastRefresh > 2000) refreshAll();
      return;
    case 'reset':
      toast(`Some live events${message.siteId ? ' of ' + message.siteId : ''} were missed (${message.reason}); the panels were reloaded.`);
      refreshAll();
      return;
    case 'dropped':
      toast(`The server dropped this stream: ${message.reason}. Resuming…`, 'bad');
      return; // the stream ends next; the reconnect resumes from the last event id
    case 'closed':
      onClosed(message.reason || 'the server closed the stream');
      return;
    default:
      onSiteEvent(message.type, message.data || {});
  }
}

/**
 * The server closes streams when the token is revoked and when the node shuts down. Which one it
 * was is asked of the server: a token it no longer accepts goes back to sign-in; otherwise the
 * stream, which ends now, reconnects and resumes.
 */
async function onClosed(reason) {
  const api = state.api;
  try {
    await api.get('/v1/me'); // a 401 here signs out through the client's handler
    toast(`The server closed the live stream (${reason}); reconnecting.`);
  } catch (err) {
    if (err.status === 401 && state.api === api) signOut(`Signed out: ${reason}.`, true);
  }
}

function onSiteEvent(type, d) {
  liveEvents++;
  $('footer-events').textContent = `${liveEvents.toLocaleString('en-US')} live event${liveEvents === 1 ? '' : 's'}`;
  if (type === 'stats') {
    onStats(d);
  } else if (type.startsWith('session.')) {
    onSessionEvent(d);
    if (type === 'session.classified') onClassified(d);
    scheduleSoftRefresh();
  } else if (type === 'throttle.changed') {
    onThrottle(d);
    scheduleSoftRefresh();
  } else if (type.startsWith('anomaly.')) {
    onAnomalyEvent(type, d);
  } else if (type.startsWith('ledger.')) {
    onLedger(type, d);
  }
}

// ---------------------------------------------------------------- start

$('signin-form').addEventListener('submit', onSignInSubmit);
$('signout').addEventListener('click', () => signOut('You are signed out; the token was removed from this tab.', false));
$('site-select').addEventListener('change', () => changeSite($('site-select').value));
$('refresh').addEventListener('click', () => refreshAll());
$('window-toggle').addEventListener('click', (event) => {
  const b = event.target.closest('button[data-window]');
  if (!b) return;
  sessionStorage.setItem(WINDOW_KEY, b.dataset.window);
  setWindow(b.dataset.window);
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved);
else showSignIn();
