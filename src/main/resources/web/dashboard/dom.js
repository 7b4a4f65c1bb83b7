// Building the page. Every server string goes in through textContent or an attribute, never as
// HTML; sizes are set through the CSSOM (element.style), which the content security policy allows.

import { relTime } from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export function $(id) {
  return document.getElementById(id);
}

/** An element: props {text, className, title, data: {...}, attrs: {...}}, then children. */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  if (props) {
    if (props.className) node.className = props.className;
    if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
    if (props.title) node.title = String(props.title);
    for (const [k, v] of Object.entries(props.data || {})) {
      if (v !== undefined && v !== null) node.dataset[k] = String(v);
    }
    for (const [k, v] of Object.entries(props.attrs || {})) {
      if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An SVG element with attributes. */
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const child of children) node.append(child);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function show(node, visible) {
  node.hidden = !visible;
}

/** A relative time ("12 s ago") that refreshTimes() keeps current. */
export function timeAgo(iso, className) {
  const span = h('span', { className: className || 'tnum', data: { ts: iso || '' } });
  span.textContent = relTime(iso);
  if (iso) span.title = new Date(iso).toLocaleString();
  return span;
}

export function refreshTimes() {
  for (const node of document.querySelectorAll('[data-ts]')) {
    node.textContent = (node.dataset.prefix || '') + relTime(node.dataset.ts);
  }
}

export function chip(text, data) {
  return h('span', { className: 'chip', text, data });
}

/** A bar split into parts (coloured by position), with a legend of shares. */
export function splitBar(bar, legend, parts, format) {
  clear(bar);
  clear(legend);
  const total = parts.reduce((sum, p) => sum + p.value, 0);
  parts.forEach((p, i) => {
    if (total > 0 && p.value > 0) {
      const seg = h('span', { className: 'split-seg seg-' + i, title: `${p.label}: ${p.value}` });
      seg.style.flexGrow = String(p.value);
      bar.append(seg);
    }
    legend.append(
      h(
        'span',
        { className: 'legend-item' },
        h('span', { className: 'legend-swatch seg-' + i }),
        p.label + ' ',
        h('b', { text: total ? format(p.value / total) : '—' }),
      ),
    );
  });
}

/** Horizontal bars, the longest for the largest value. */
export function bars(list, items) {
  clear(list);
  const most = Math.max(1, ...items.map((b) => b.value));
  for (const b of items) {
    const fill = h('div', { className: 'bar-fill' });
    fill.style.width = Math.max(2, (b.value / most) * 100) + '%';
    list.append(
      h(
        'li',
        { className: 'bar-row' },
        h('span', { className: 'bar-label', text: b.label, title: b.title || b.label }),
        h('span', { className: 'bar-value', text: b.text }),
        h('div', { className: 'bar-track' }, fill),
      ),
    );
  }
}

/**
 * A hand-made SVG sparkline, zero at the bottom; {relative: true} uses the band the values move
 * in, so a steady count is a line rather than a filled block. Until the window is full the points
 * spread over the width; then it scrolls.
 */
export function sparkline(svg, values, opts) {
  clear(svg);
  const box = svg.viewBox.baseVal;
  const w = box.width;
  const ht = box.height;
  const pad = 2;
  svg.append(s('line', { class: 'spark-base', x1: 0, y1: ht - 0.5, x2: w, y2: ht - 0.5 }));
  if (values.length < 2) return;
  let min = 0;
  let max = Math.max(opts.floor || 1, ...values) * 1.15;
  if (opts.ceiling) max = Math.min(max, opts.ceiling * 1.05);
  if (opts.relative) {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const span = Math.max(hi - lo, opts.floor || 1);
    min = Math.max(0, lo - span * 0.6);
    max = hi + span * 0.3;
  }
  const step = w / (values.length - 1);
  const y = (v) => ht - pad - ((Math.min(v, max) - min) / (max - min)) * (ht - pad * 2);
  const pts = values.map((v, i) => (i ? 'L' : 'M') + (i * step).toFixed(1) + ' ' + y(v).toFixed(1));
  const line = pts.join(' ');
  const area = `${line} L${w} ${ht} L0 ${ht} Z`;
  svg.append(s('path', { class: 'spark-area', d: area }), s('path', { class: 'spark-line', d: line }));
}

const ICONS = {
  shield: 'M9 3.5l4.5 1.7v3.4c0 2.8-1.9 5-4.5 5.9-2.6-.9-4.5-3.1-4.5-5.9V5.2z',
  bot: 'M5.5 7.5h7v5h-7zM9 5v2.5M7.5 10h.01M10.5 10h.01',
  alert: 'M9 5.5v4M9 12.5h.01',
  spark: 'M4.5 9.5l2.5-3 2 2 4-4.5',
  tool: 'M11.5 4.5l2 2-6 6-2.5.5.5-2.5z',
  coin: 'M9 5v8M11 6.5H8.2a1.3 1.3 0 000 2.6h1.6a1.3 1.3 0 010 2.6H7',
};

/** One entry of a live feed: {tone, icon, title: [nodes or strings], text, at}. */
export function feedRow(item, testid) {
  const title = h('div', { className: 'feed-title' });
  for (const part of item.title) {
    if (part !== null && part !== undefined) title.append(part);
  }
  const icon = s(
    'svg',
    { class: 'feed-icon', viewBox: '0 0 18 18', 'aria-hidden': 'true' },
    s('circle', { cx: 9, cy: 9, r: 9 }),
    s('path', { d: ICONS[item.icon] || ICONS.spark }),
  );
  return h(
    'li',
    { className: 'feed-row is-new', data: { tone: item.tone || 'info', testid } },
    icon,
    h(
      'div',
      { className: 'feed-main' },
      title,
      item.text ? h('div', { className: 'feed-text', text: item.text, title: item.text }) : null,
    ),
    timeAgo(item.at, 'feed-time'),
  );
}

/** Prepends a row and keeps at most max rows. */
export function prependBounded(list, row, max) {
  list.prepend(row);
  while (list.children.length > max) list.lastChild.remove();
}

export function toast(text, tone) {
  const box = $('toasts');
  const t = h('div', { className: 'toast', text, data: { tone: tone || 'info', testid: 'toast' } });
  box.append(t);
  while (box.children.length > 4) box.firstChild.remove();
  setTimeout(() => t.remove(), 6000);
}

export function showBanner(text, tone) {
  const b = $('banner');
  b.textContent = text;
  b.dataset.tone = tone || 'warn';
  show(b, true);
}

export function hideBanner() {
  show($('banner'), false);
}
