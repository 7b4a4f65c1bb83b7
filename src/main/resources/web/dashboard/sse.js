// GET /v1/stream read with fetch(): EventSource cannot send an Authorization header, so the
// text/event-stream format is parsed here, and reconnecting (after the server's retry delay, with
// Last-Event-ID) is done here too.

import { errorOf } from './api.js';

const MAX_RETRY_MS = 30000;

/**
 * The text/event-stream format: lines end with CR LF, LF or CR; "field: value" lines build an
 * event, a blank line dispatches it, lines starting with ":" are comments (heartbeats).
 */
export class SseParser {
  /** handlers: event({type, data}), id(lastEventId), retry(ms), comment(text). */
  constructor(handlers) {
    this.handlers = handlers;
    this.buffer = '';
    this.data = [];
    this.type = '';
    this.idBuffer = null;
  }

  push(text) {
    this.buffer += text;
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buffer);
      if (!m) break;
      // a CR at the very end may be the first half of CR LF: wait for the next chunk
      if (m[0] === '\r' && m.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      this.line(line);
    }
  }

  line(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.charAt(0) === ':') {
      this.handlers.comment(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charAt(0) === ' ') value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
    } else if (field === 'event') {
      this.type = value;
    } else if (field === 'id') {
      if (value.indexOf('\0') < 0) this.idBuffer = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) this.handlers.retry(Number(value));
    }
  }

  dispatch() {
    // as EventSource: the id counts even for an event without data
    if (this.idBuffer !== null) this.handlers.id(this.idBuffer);
    if (this.data.length > 0) {
      this.handlers.event({ type: this.type || 'message', data: this.data.join('\n') });
    }
    this.data = [];
    this.type = '';
  }
}

/**
 * One live stream that keeps itself connected. Options:
 *   url()                      the stream's URL (with ?site= when one is chosen)
 *   headers()                  Authorization and the like
 *   onEvent(message, info)     each event's parsed JSON; info.resumed: this connection resumed
 *   onStatus(status, label, detail)   connecting | live | reconnecting | offline
 *   onUnauthorized(error)      401: the token is no longer accepted
 *   onRefused(error)           403, 404, 400: retrying would not help
 *   onTooMany(error, waitMs)   429: too many streams for this token
 */
export class LiveStream {
  constructor(options) {
    this.options = options;
    this.ctrl = null;
    this.generation = 0;
    this.lastEventId = null;
    this.retryMs = 3000;
    this.failures = 0;
    this.reconnectAt = 0;
    this.timer = null;
    this.lastByteAt = 0;
    this.heartbeatSeconds = 15;
    this.resumed = false;
    this.stalled = false;
    this.status = 'connecting';
  }

  /** Connects; fresh: forget the last event id (another site, another token). */
  start(fresh) {
    this.stop();
    if (fresh) this.lastEventId = null;
    this.failures = 0;
    this.connect();
  }

  stop() {
    this.generation++;
    if (this.ctrl) this.ctrl.abort();
    this.ctrl = null;
    clearTimeout(this.timer);
    this.timer = null;
    this.reconnectAt = 0;
  }

  setStatus(status, label, detail) {
    this.status = status;
    this.options.onStatus(status, label, detail || '');
  }

  async connect() {
    const gen = ++this.generation;
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    this.reconnectAt = 0;
    this.setStatus(this.failures ? 'reconnecting' : 'connecting');
    const headers = this.options.headers({ Accept: 'text/event-stream' });
    this.resumed = Boolean(this.lastEventId);
    if (this.resumed) headers['Last-Event-ID'] = this.lastEventId;
    let res;
    try {
      res = await fetch(this.options.url(), { headers, signal: ctrl.signal, cache: 'no-store' });
    } catch (e) {
      if (gen === this.generation) this.retryLater('Vigil did not answer');
      return;
    }
    if (gen !== this.generation) {
      ctrl.abort();
      return;
    }
    if (!res.ok) {
      await this.refused(res, gen);
      return;
    }
    await this.read(res, gen);
  }

  async refused(res, gen) {
    const err = await errorOf(res);
    if (gen !== this.generation) return;
    this.ctrl = null;
    if (res.status === 401) {
      this.setStatus('offline', 'Signed out', err.describe());
      this.options.onUnauthorized(err);
    } else if (res.status === 403 || res.status === 404 || res.status === 400) {
      this.setStatus('offline', 'Offline', err.describe());
      this.options.onRefused(err);
    } else if (res.status === 429) {
      const wait = Math.max(1, Number(res.headers.get('Retry-After')) || 10) * 1000;
      this.options.onTooMany(err, wait);
      this.retryLater('too many streams for this token', wait);
    } else {
      this.retryLater(err.describe());
    }
  }

  async read(res, gen) {
    this.lastByteAt = Date.now();
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser({
      event: (ev) => {
        if (gen === this.generation) this.handle(ev);
      },
      id: (id) => {
        this.lastEventId = id;
      },
      retry: (ms) => {
        this.retryMs = ms;
      },
      comment: () => {},
    });
    let reason = 'the server ended the stream';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.lastByteAt = Date.now();
        parser.push(decoder.decode(value, { stream: true }));
        if (gen !== this.generation) return;
      }
    } catch (e) {
      reason = this.stalled ? 'no heartbeat from the server' : 'the connection was lost';
    }
    this.stalled = false;
    if (gen === this.generation) this.retryLater(reason);
  }

  handle(ev) {
    let message;
    try {
      message = JSON.parse(ev.data);
    } catch (e) {
      return; // every event of Vigil's is one JSON object; anything else is not ours
    }
    if (!message.type) message.type = ev.type;
    if (message.type === 'ready') {
      this.failures = 0;
      this.heartbeatSeconds = message.heartbeatSeconds || 15;
      const sites = (message.sites || []).join(', ') || 'no sites yet';
      this.setStatus('live', 'Live', 'Watching ' + sites);
    }
    this.options.onEvent(message, { resumed: this.resumed });
  }

  /** Reconnects after the server's retry delay, backing off while it keeps failing. */
  retryLater(reason, delay) {
    this.ctrl = null;
    this.failures++;
    const wait = delay || Math.min(MAX_RETRY_MS, this.retryMs * Math.pow(2, this.failures - 1));
    this.reconnectAt = Date.now() + wait;
    this.setStatus('reconnecting', `Reconnecting in ${Math.ceil(wait / 1000)} s`, 'Disconnected: ' + reason);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, wait);
  }

  /** "Reconnecting in 3 s" while a reconnect is scheduled, else null. */
  countdown() {
    if (this.status !== 'reconnecting' || !this.reconnectAt) return null;
    const secs = Math.max(0, Math.ceil((this.reconnectAt - Date.now()) / 1000));
    return secs > 0 ? `Reconnecting in ${secs} s` : 'Reconnecting…';
  }

  /** A stream that carried nothing for two heartbeats is dead even if its socket is not. */
  watchdog() {
    if (!this.ctrl || this.status !== 'live') return;
    if (Date.now() - this.lastByteAt > (this.heartbeatSeconds * 2 + 5) * 1000) {
      this.stalled = true;
      this.ctrl.abort();
    }
  }
}
