// What the panels share: the signed-in token's API client, the chosen site and window, and the
// live state built from the stream. One object, reset on sign-out and on a change of site.

import { $, show } from './dom.js';

export const state = {
  api: null, // createApi(token) while signed in
  me: null, // GET /v1/me
  sites: [],
  site: '', // '' = every site the token may see
  window: '24h',
  lastRefresh: 0,
};

/** A path with the chosen site (when one is) and the given query parameters. */
export function withSite(path, params) {
  const q = new URLSearchParams();
  if (state.site) q.set('site', state.site);
  for (const [k, v] of Object.entries(params || {})) q.set(k, String(v));
  const qs = q.toString();
  return qs ? path + '?' + qs : path;
}

/** Shows why a panel could not load (or hides the message when err is null). */
export function panelError(id, err) {
  const node = $(id);
  if (!err) {
    show(node, false);
    return;
  }
  let text;
  if (err.status === 403) {
    text = `This token may not see this report: ${err.message} (403).`;
  } else if (err.status === 503) {
    text = `Vigil's storage is unavailable right now; the next refresh tries again (${err.message}).`;
  } else {
    text = typeof err.describe === 'function' ? err.describe() : String(err.message || err);
  }
  node.textContent = text;
  show(node, true);
}
