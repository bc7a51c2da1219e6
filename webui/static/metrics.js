// Request metrics from GET /admin/metrics, polled about every second: requests,
// errors and throttles per second, p50/p99 latency, a per-operation table with
// sparklines, and the tail of recent requests. The server's counters and
// latency histograms only grow; rates and percentiles come from the
// difference between two polls.

import { admin, errorText } from './api.js';
import { h } from './dom.js';
import { LineChart, sparkline } from './chart.js';

const kPollMs = 1000;
const kHistory = 60;      // samples kept per chart and sparkline
const kWindowPolls = 10;  // the per-operation percentiles cover about 10 s
const kRecentShown = 12;

const requestsChart = new LineChart([
  { label: 'requests', color: '#1f6feb' },
  { label: 'errors', color: '#c62f2f' },
  { label: 'throttles', color: '#b7791f' },
], { capacity: kHistory });
const latencyChart = new LineChart([
  { label: 'p50', color: '#1b8a5a' },
  { label: 'p99', color: '#7b4bd6' },
], { capacity: kHistory, unit: ' ms' });
const snapshots = [];        // the last polls: {timeMs, ops}
const opRates = new Map();   // operation -> requests/s history
let opsEl = null;
let recentEl = null;

export function metricsCards() {
  return [
    h('div', { class: 'card', id: 'requests-card' },
      h('h3', {}, 'Requests ', h('small', { text: 'per second, every DynamoDB operation' })),
      requestsChart.el, requestsChart.legend),
    h('div', { class: 'card', id: 'latency-card' },
      h('h3', {}, 'Latency ', h('small', { text: 'p50 and p99 of the last second, in ms' })),
      latencyChart.el, latencyChart.legend),
  ];
}

export function metricsTables() {
  opsEl = h('div', { class: 'card' }, h('p', { class: 'muted', text: 'waiting for /admin/metrics…' }));
  recentEl = h('div', { class: 'card' });
  return h('section', { class: 'metrics-tables' },
    h('div', {}, h('h2', {}, 'Operations'), opsEl),
    h('div', {}, h('h2', {}, 'Recent requests'), recentEl));
}

export function startMetrics() {
  requestsChart.draw();
  latencyChart.draw();
  poll();
}

async function poll() {
  try {
    const m = await admin('metrics');
    sample(m);
  } catch (e) {
    opsEl.replaceChildren(h('p', { class: 'error', text: `GET /admin/metrics: ${errorText(e)}` }));
  }
  setTimeout(poll, kPollMs);
}

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

// The growth of every operation's counters from `before` to `after`.
function delta(before, after) {
  const out = {};
  for (const [op, now] of Object.entries(after.ops)) {
    const was = before.ops[op] || { count: 0, errors: 0, throttles: 0, buckets: now.buckets.map(() => 0) };
    out[op] = {
      count: now.count - was.count,
      errors: now.errors - was.errors,
      throttles: now.throttles - was.throttles,
      buckets: now.buckets.map((c, i) => c - (was.buckets[i] || 0)),
    };
  }
  return out;
}

// The q-quantile of a latency histogram, interpolated inside its bucket.
// `bounds` are the upper bounds of every bucket but the last, unbounded one.
function percentile(buckets, bounds, q) {
  const total = sum(buckets);
  if (total === 0) return null;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (buckets[i] > 0 && seen + buckets[i] >= target) {
      const lo = i === 0 ? 0 : bounds[i - 1];
      const hi = i < bounds.length ? bounds[i] : 2 * bounds[bounds.length - 1];
      return lo + ((hi - lo) * (target - seen)) / buckets[i];
    }
    seen += buckets[i];
  }
  return bounds[bounds.length - 1];
}

function sample(m) {
  const now = { timeMs: performance.now(), ops: m.operations };
  const last = snapshots[snapshots.length - 1];
  snapshots.push(now);
  if (snapshots.length > kWindowPolls + 1) snapshots.shift();
  if (last) {
    const seconds = Math.max(0.001, (now.timeMs - last.timeMs) / 1000);
    const d = Object.values(delta(last, now));
    const all = d.reduce((acc, x) => acc.map((c, i) => c + x.buckets[i]), m.bucketsMs.concat([0]).map(() => 0));
    requestsChart.push(sum(d.map((x) => x.count)) / seconds, sum(d.map((x) => x.errors)) / seconds,
      sum(d.map((x) => x.throttles)) / seconds);
    latencyChart.push(percentile(all, m.bucketsMs, 0.5), percentile(all, m.bucketsMs, 0.99));
    for (const [op, x] of Object.entries(delta(last, now))) {
      const history = opRates.get(op) || [];
      history.push(x.count / seconds);
      if (history.length > kHistory) history.shift();
      opRates.set(op, history);
    }
  }
  renderOps(m);
  renderRecent(m.recent);
}

function ms(v) {
  if (v === null) return '–';
  return v < 1 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
}

function renderOps(m) {
  const ops = Object.keys(m.operations).sort();
  if (ops.length === 0) {
    opsEl.replaceChildren(h('p', { class: 'muted', text: 'No DynamoDB requests yet.' }));
    return;
  }
  const recent = delta(snapshots[0], snapshots[snapshots.length - 1]);
  const rows = ops.map((op) => {
    const total = m.operations[op];
    const w = recent[op];
    const rates = opRates.get(op) || [];
    const rate = rates.length ? rates[rates.length - 1] : 0;
    return h('tr', { 'data-op': op },
      h('td', { text: op }),
      h('td', {}, sparkline(rates, kHistory)),
      h('td', { class: 'num', text: rate.toFixed(1) }),
      h('td', { class: 'num', text: ms(w ? percentile(w.buckets, m.bucketsMs, 0.5) : null) }),
      h('td', { class: 'num', text: ms(w ? percentile(w.buckets, m.bucketsMs, 0.99) : null) }),
      h('td', { class: 'num', text: total.count }),
      h('td', { class: `num${total.errors ? ' bad' : ''}`, text: total.errors }),
      h('td', { class: `num${total.throttles ? ' bad' : ''}`, text: total.throttles }));
  });
  opsEl.replaceChildren(h('table', { class: 'grid compact' },
    h('thead', {}, h('tr', {}, ['operation', 'requests/s (60 s)', 'now/s', 'p50 ms', 'p99 ms', 'total', 'errors', 'throttles']
      .map((c) => h('th', { text: c, title: c.startsWith('p') ? 'over the last ~10 s' : '' })))),
    h('tbody', {}, rows)));
}

function renderRecent(recent) {
  if (!recent.length) {
    recentEl.replaceChildren(h('p', { class: 'muted', text: 'No DynamoDB requests yet.' }));
    return;
  }
  const time = (t) => new Date(t).toISOString().slice(11, 23);
  recentEl.replaceChildren(h('table', { class: 'grid compact' },
    h('thead', {}, h('tr', {}, ['time (UTC)', 'operation', 'table', 'status', 'latency ms'].map((c) => h('th', { text: c })))),
    h('tbody', {}, recent.slice(0, kRecentShown).map((r) => h('tr', { class: r.status === 200 ? '' : 'failed' },
      h('td', { class: 'mono', text: time(r.time) }),
      h('td', { text: r.op }),
      h('td', { class: 'mono', text: r.table }),
      h('td', { title: r.error, text: r.status === 200 ? '200' : `${r.status} ${r.error}` }),
      h('td', { class: 'num', text: ms(r.latencyMs) }))))));
}
