/* Vigil tracker (specs/engagement.md). <script defer src="…/tracker.js" data-site="KEY">, optional
 * data-endpoint, data-respect-dnt="true". Calls queued before load (window.vigil = [[m, ...args]]) replay. */
(() => {
  'use strict';

  const prior = window.vigil;
  if (prior && prior.__vigil) return; // loaded twice

  const script = document.currentScript || document.querySelector('script[data-site][src*="tracker"]');
  const attr = (name) => script && script.getAttribute('data-' + name);
  const site = attr('site');
  const nav = navigator;
  if (!site || !/^https?:$/.test(location.protocol)) return;
  if (attr('respect-dnt') === 'true' && (nav.doNotTrack === '1' || nav.globalPrivacyControl === true)) return;
  const endpoint = attr('endpoint') || new URL(script.src, location.href).origin + '/v1/collect';

  const ID = /^[A-Za-z0-9_-]{8,64}$/;
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const TEXT = 'text/plain;charset=UTF-8'; // a "simple" content type: no CORS preflight
  // A click on or inside one of these is never "dead".
  const INTERACTIVE = 'a,button,input,select,textarea,label,summary,option,[role=button],[onclick],' +
      '[contenteditable]:not([contenteditable=false])';
  const doc = document;
  const now = () => performance.now();

  const safe = (fn) => function () {
    try {
      return fn.apply(this, arguments);
    } catch (e) { /* never into the host page */ }
  };

  // 22 base64url chars; 256 is a multiple of 64, so no modulo bias.
  const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(22)), (b) => ALPHABET[b & 63]).join('');

  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, Math.round(v) || 0));
  const ms = (v) => clamp(v, 0, 864e5);
  const count = (v) => clamp(v, 0, 1e5);
  const px = (v) => clamp(v, 1, 2e4);

  const eventName = (s) => {
    s = String(s == null ? '' : s).toLowerCase().replace(/[^a-z0-9_.-]+/g, '_').slice(0, 64);
    return /[a-z0-9]/.test(s) ? s : null;
  };

  // Cookie access throws in sandboxed frames.
  const readSid = safe(() => {
    const m = /(?:^|;\s*)vigil_sid=([^;]*)/.exec(doc.cookie);
    return m && ID.test(m[1]) ? m[1] : null;
  });
  // Sliding: rewritten on every flush. Not HttpOnly: an analytics id shared with the edge.
  const writeSid = safe(() => {
    doc.cookie = `vigil_sid=${sid}; path=/; max-age=1800; SameSite=Lax` +
        (location.protocol === 'https:' ? '; Secure' : '');
  });
  let sid = readSid() || randomId();
  let lastSeen = Date.now();
  writeSid();

  // No cookie: expired, or blocked if we flushed lately.
  const refreshSession = () => {
    const t = Date.now();
    sid = readSid() || (t - lastSeen > 18e5 ? randomId() : sid);
    lastSeen = t;
    writeSid();
  };

  let vid;
  try {
    vid = localStorage.getItem('vigil_vid');
    if (!ID.test(vid)) localStorage.setItem('vigil_vid', (vid = randomId()));
  } catch (e) {
    vid = randomId();
  }
  let user = null;

  let page;
  let pendingDead = [];

  const pathKey = () => location.pathname + location.search;

  const scrollDepth = () => {
    const height = Math.max(doc.documentElement.scrollHeight, doc.body ? doc.body.scrollHeight : 0);
    const viewport = innerHeight;
    return height <= viewport ? 100 : clamp((pageYOffset + viewport) / height * 100, 0, 100);
  };

  // Counters (n) under their wire names.
  const newPage = (referrer) => ({
    key: pathKey(), url: location.href.slice(0, 2048), referrer, ts: Date.now(), start: now(),
    last: now(), visible: doc.visibilityState !== 'hidden', focused: doc.hasFocus(),
    depth: scrollDepth(), milestones: {}, samples: [], velocity: 0, y: pageYOffset, recent: [], mouse: 0,
    ms: {visibleMs: 0, hiddenMs: 0, focusMs: 0}, // + firstInteractionMs, firstScrollMs once they happen
    n: {clicks: 0, rageClicks: 0, deadClicks: 0, scrollDirectionChanges: 0, keyPresses: 0, copies: 0,
      tabSwitches: 0, blurs: 0}
  });

  // Call before visible/focused change.
  const tick = () => {
    const t = now();
    const d = t - page.last;
    page.ms[page.visible ? 'visibleMs' : 'hiddenMs'] += d;
    if (page.visible && page.focused) page.ms.focusMs += d;
    page.last = t;
  };

  const first = (key) => {
    if (!(key in page.ms)) page.ms[key] = now() - page.start;
  };
  const interacted = () => first('firstInteractionMs');

  let queue = [];
  let timer = 0;

  const makeEvent = (type, fields) => Object.assign({
    id: randomId(), type, ts: Date.now(), url: page.url, referrer: page.referrer || undefined,
    title: page.title || undefined, contentId: page.contentId || undefined
  }, fields);

  const enqueue = (e) => {
    queue.push(e);
    if (queue.length >= 20) flush();
    else timer = timer || setTimeout(flush, 5000);
  };

  // An SPA view waits 100 ms for the app's title; the page's other events queue it first.
  const ensureView = () => {
    if (page.viewSent) return;
    page.viewSent = true;
    const meta = doc.querySelector('meta[name="vigil:content-id"]');
    page.title = doc.title.slice(0, 512);
    page.contentId = meta && meta.content.slice(0, 128);
    enqueue(makeEvent('page_view', {
      ts: page.ts,
      viewportWidth: px(innerWidth), viewportHeight: px(innerHeight),
      screenWidth: px(screen.width), screenHeight: px(screen.height),
      language: nav.language, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone
    }));
  };

  const emit = (type, fields) => {
    ensureView();
    enqueue(makeEvent(type, fields));
  };

  const sendView = () => {
    ensureView();
    flush(); // at once: bot signals look for it
  };

  const engagement = (type) => {
    tick();
    page.depth = Math.max(page.depth, scrollDepth()); // content may have grown
    const fields = {
      timeOnPageMs: ms(now() - page.start), maxScrollDepth: page.depth, scrollVelocity: page.velocity,
      mouseDistance: clamp(page.mouse, 0, 1e8)
    };
    Object.keys(page.ms).forEach((k) => fields[k] = ms(page.ms[k]));
    Object.keys(page.n).forEach((k) => fields[k] = count(page.n[k]));
    emit(type, fields);
  };

  const exitPage = () => {
    if (page.exited) return;
    engagement('page_exit');
    page.exited = true;
  };

  const utf8 = new TextEncoder();
  const bytes = (s) => utf8.encode(s).length;

  // ≤ 100 events, ≤ 60 KB: server and keepalive limits.
  const flush = safe(() => {
    clearTimeout(timer);
    timer = 0;
    if (!queue.length) return;
    refreshSession();
    const head = JSON.stringify({site, session: sid, visitor: vid, user: user || undefined})
        .slice(0, -1) + ',"events":[';
    const budget = 6e4 - bytes(head) - 2;
    let parts = [];
    let size = 0;
    const send = () => post(head + parts.join(',') + ']}');
    queue.forEach((e) => {
      const json = JSON.stringify(e);
      const len = bytes(json) + 1;
      if (parts.length && (parts.length >= 100 || size + len > budget)) {
        send();
        parts = [];
        size = 0;
      }
      parts.push(json);
      size += len;
    });
    queue = [];
    send();
  });

  const post = (body) => {
    try {
      if (nav.sendBeacon(endpoint, new Blob([body], {type: TEXT}))) return;
    } catch (e) { /* missing or refused: fall back to fetch */ }
    // Beacons and keepalive share a 64 KiB in-flight quota; a live page can also send without it.
    const send = (keepalive) => fetch(endpoint, {method: 'POST', body, keepalive, credentials: 'omit', headers: {'Content-Type': TEXT}});
    send(true).catch(() => send(false)).catch(() => 0);
  };

  const onNavigate = safe(() => {
    if (pathKey() === page.key) return;
    const from = page.url;
    exitPage();
    pendingDead = [];
    const next = page = newPage(from);
    setTimeout(safe(() => next === page && sendView()), 100);
  });

  ['pushState', 'replaceState'].forEach((name) => {
    const original = history[name];
    history[name] = function () {
      const result = original.apply(this, arguments);
      onNavigate();
      return result;
    };
  });

  const on = (target, type, fn) => target.addEventListener(type, safe(fn), {capture: true, passive: true});

  on(window, 'popstate', onNavigate);

  // Capturing also sees inner elements' scrolls; count the page's only.
  on(window, 'scroll', (e) => {
    if (e.target !== doc) return;
    const t = now();
    const y = pageYOffset;
    first('firstScrollMs');
    const dir = y > page.y ? 'down' : y < page.y ? 'up' : page.dir;
    if (page.dir && dir !== page.dir) page.n.scrollDirectionChanges++;
    page.dir = dir;
    page.y = y;

    // Last 10 samples; a pause > 1 s starts a new gesture.
    const s = page.samples;
    if (s.length && t - s[s.length - 1].t > 1000) s.length = 0;
    s.push({y, t});
    if (s.length > 10) s.shift();
    let dist = 0;
    for (let i = 1; i < s.length; i++) dist += Math.abs(s[i].y - s[i - 1].y);
    const span = t - s[0].t;
    if (span > 0) page.velocity = clamp(dist / span * 1000, 0, 1e5);

    page.depth = Math.max(page.depth, scrollDepth());
    [25, 50, 75, 90, 100].forEach((milestone) => {
      if (page.depth < milestone || page.milestones[milestone]) return;
      page.milestones[milestone] = true;
      emit('scroll', {milestone, direction: dir || 'down', velocity: page.velocity});
    });
  });

  // Watches only while clicks wait; any change answers all.
  const observer = new MutationObserver(() => {
    pendingDead = [];
    observer.disconnect();
  });

  const watchDeadClick = (target) => {
    if (target === doc.body || target === doc.documentElement || target.closest(INTERACTIVE)) return;
    const click = {page};
    if (!pendingDead.length) {
      observer.observe(doc, {childList: true, subtree: true, attributes: true, characterData: true});
    }
    pendingDead.push(click);
    setTimeout(safe(() => {
      const i = pendingDead.indexOf(click);
      if (i < 0) return;
      pendingDead.splice(i, 1);
      if (!pendingDead.length) observer.disconnect();
      if (click.page === page) page.n.deadClicks++;
    }), 1000);
  };

  on(doc, 'click', (e) => {
    const t = now();
    const {clientX: x, clientY: y, target} = e;
    interacted();
    page.n.clicks++;

    // Rage: ≥ 3 clicks within 500 ms and 30 px; a burst counts once.
    page.recent = page.recent.filter((c) => t - c.t <= 500 && Math.hypot(c.x - x, c.y - y) <= 30);
    page.recent.push({t, x, y});
    if (page.recent.length < 3) page.inRage = false;
    else if (!page.inRage) {
      page.inRage = true;
      page.n.rageClicks++;
    }

    if (!target || target.nodeType !== 1) return;
    watchDeadClick(target);

    const a = target.closest('a[href]');
    const href = a && a.href;
    if (typeof href !== 'string' || !/^https?:/i.test(href)) return;
    const text = (a.innerText || a.textContent || a.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim();
    emit('link_click', {
      targetUrl: href.slice(0, 2048), text: text.slice(0, 100) || undefined,
      external: new URL(href).host !== location.host
    });
  });

  on(doc, 'keydown', (e) => {
    interacted();
    if (!e.repeat) page.n.keyPresses++;
  });
  on(doc, 'pointerdown', interacted);
  on(doc, 'touchstart', interacted);
  on(doc, 'copy', () => page.n.copies++);

  let mouse = null;
  on(doc, 'mousemove', (e) => {
    if (mouse) page.mouse += Math.hypot(e.clientX - mouse.x, e.clientY - mouse.y);
    mouse = {x: e.clientX, y: e.clientY};
  });

  // Capturing also sees elements' focus/blur; count the window's only.
  on(window, 'focus', (e) => {
    if (e.target !== window) return;
    tick();
    page.focused = true;
  });
  on(window, 'blur', (e) => {
    if (e.target !== window) return;
    tick();
    page.focused = false;
    page.n.blurs++;
  });

  // Hidden may be a page's last event (mobile kills tabs): send a cumulative snapshot.
  on(doc, 'visibilitychange', () => {
    tick();
    page.visible = doc.visibilityState !== 'hidden';
    if (page.visible) return;
    page.n.tabSwitches++;
    if (!page.exited) engagement('engagement');
    flush();
  });

  on(window, 'pagehide', () => {
    pendingDead = [];
    exitPage();
    flush();
  });

  // Restored from the back/forward cache: a new page view.
  on(window, 'pageshow', (e) => {
    if (!e.persisted) return;
    page = newPage(doc.referrer);
    sendView();
  });

  const flatten = (props) => {
    const out = {};
    Object.keys(props || {}).filter((k) => props[k] != null).slice(0, 20).forEach((k) => {
      const v = props[k];
      out[k.slice(0, 64)] = (typeof v === 'object' ? JSON.stringify(v) : String(v)).slice(0, 256);
    });
    return out;
  };

  const api = {
    __vigil: true,
    track: safe((name, props) => {
      name = eventName(name);
      if (!name) return;
      emit('custom', {name, props: flatten(props)});
    }),
    convert: safe((goal, value, funnelStep) => {
      goal = eventName(goal);
      if (!goal) return;
      emit('conversion', {
        goal, value: clamp(Number(value), 0, 1e9),
        funnelStep: typeof funnelStep === 'number' && funnelStep >= 0 ? clamp(funnelStep, 0, 1000) : undefined
      });
    }),
    identify: safe((userId) => {
      if (typeof userId === 'string' && ID.test(userId)) user = userId;
    }),
    flush,
    push: safe((call) => {
      const [method, ...args] = Array.from(call);
      if (method !== 'push' && typeof api[method] === 'function') api[method](...args);
    })
  };

  const calls = Array.isArray(prior) ? prior : (prior && prior.q) || [];
  window.vigil = api;

  const start = safe(() => {
    page = newPage(doc.referrer);
    sendView();
    Array.from(calls).forEach(api.push);
  });
  // A prerendered page is no view until shown.
  if (doc.prerendering) doc.addEventListener('prerenderingchange', start, {once: true});
  else start();
})();
