// The cluster view: AZs as columns with their storage nodes and the replicas
// each holds (with their items and a leader's lease time left), every table's
// partitions with their replication group, item count, size and lease, MemDS and
// router counters with live charts, request metrics (metrics.js), and the
// power buttons, the network and disk faults (partitions, message drops
// and delays, slow disks), scrub and bit rot (scrub.js), the fault rules
// (faults.js) and snapshots (snapshots.js). It polls
// GET /admin/cluster about every second; the charts are rates computed from
// the differences between two polls.

import { admin, errorText } from './api.js';
import { h, notify } from './dom.js';
import { LineChart } from './chart.js';
import { metricsCards, metricsTables, startMetrics } from './metrics.js';
import { renderAlarms, scrubCells, scrubHeaders, scrubPanel } from './scrub.js';
import { faultsPanel, startFaults } from './faults.js';
import { snapshotsPanel, startSnapshots } from './snapshots.js';

const kPollMs = 1000;
const kBallotRound = 2 ** 32;  // a ballot is (round << 32) | proposer node id

const lookupsChart = new LineChart([{ label: 'MemDS lookups', color: '#7b4bd6' }]);
const cacheChart = new LineChart([
  { label: 'cache hits', color: '#1b8a5a' },
  { label: 'cache misses', color: '#d4532b' },
]);
const snapshotListeners = [];
const azColumns = new Map();  // az -> {el, nodes}
const nodeCards = new Map();  // node id -> {el, title, badge, button, body, sig}
let root = null;
let previous = null;          // {timeMs, lookups, hits, misses} of the last poll
let timer = null;
let latest = null;

export function onSnapshot(listener) {
  snapshotListeners.push(listener);
  if (latest) listener(latest);
}

export function startCluster(container) {
  root = container;
  root.replaceChildren(
    h('section', { class: 'counters' },
      metricsCards(),
      h('div', { class: 'card', id: 'memds-card' },
        h('h3', {}, 'MemDS ', h('small', { text: 'partition-map lookups: every router lookup, hit or miss' })),
        h('div', { class: 'figures', id: 'memds-figures' }),
        lookupsChart.el, lookupsChart.legend),
      h('div', { class: 'card', id: 'router-card' },
        h('h3', {}, 'Request routers ', h('small', { text: 'partition-map cache' })),
        h('div', { class: 'figures', id: 'router-figures' }),
        cacheChart.el, cacheChart.legend)),
    h('h2', {}, 'Availability zones'),
    networkPanel(),
    faultsPanel(),
    snapshotsPanel(),
    h('section', { class: 'azs', id: 'azs' }),
    h('h2', {}, 'Tables and partitions'),
    scrubPanel(() => schedule(0)),
    h('section', { id: 'partitions' }),
    metricsTables());
  lookupsChart.draw();
  cacheChart.draw();
  poll();
  startMetrics();
  startFaults();
  startSnapshots();
}

function schedule(delayMs) {
  clearTimeout(timer);
  timer = setTimeout(poll, delayMs);
}

async function poll() {
  try {
    const snap = await admin('cluster');
    latest = snap;
    sample(snap);
    render(snap);
    for (const listener of snapshotListeners) listener(snap);
  } catch (e) {
    for (const listener of snapshotListeners) listener(null, e);
  }
  schedule(kPollMs);
}

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

function sample(snap) {
  const now = {
    timeMs: performance.now(),
    lookups: sum(snap.memds.map((m) => m.lookups)),
    hits: sum(snap.routers.map((r) => r.cacheHits)),
    misses: sum(snap.routers.map((r) => r.cacheMisses)),
  };
  if (previous) {
    const seconds = Math.max(0.001, (now.timeMs - previous.timeMs) / 1000);
    const rate = (key) => Math.max(0, now[key] - previous[key]) / seconds;
    lookupsChart.push(rate('lookups'));
    cacheChart.push(rate('hits'), rate('misses'));
  }
  previous = now;
}

// Facts derived from a snapshot: node by id, per group its leader and table.
function index(snap) {
  const nodes = new Map(snap.nodes.map((n) => [n.id, n]));
  const leaders = new Map();  // group -> {node, replica}, highest ballot among up leaders
  for (const n of snap.nodes) {
    if (!n.up) continue;
    for (const r of n.replicas) {
      if (r.role !== 'leader') continue;
      const best = leaders.get(r.group);
      if (!best || r.ballot > best.replica.ballot) leaders.set(r.group, { node: n, replica: r });
    }
  }
  const groups = new Map();  // group -> "table p<i>"
  for (const t of snap.tables) {
    t.partitions.forEach((p, i) => groups.set(p.group, `${splitTableName(t.name).table} p${i + 1}`));
  }
  return { nodes, leaders, groups };
}

// "<accessKey>_<region>/<table>" -> {ns, table}; a shared db has no prefix.
export function splitTableName(name) {
  const slash = name.indexOf('/');
  if (slash < 0) return { ns: '', table: name };
  return { ns: name.slice(0, slash), table: name.slice(slash + 1) };
}

// JSON of a value without the leases (and whether a group is quiet): they
// move on every poll, and are updated in place (updateLeases) rather than by
// redrawing the tables.
function withoutLeases(value) {
  return JSON.stringify(value, (key, v) => (key === 'leaseMsLeft' || key === 'quiescent' ? undefined : v));
}

// 1234567 -> "1.2 MB": the item bytes as DynamoDB counts them.
export function sizeText(bytes) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Number(bytes) || 0;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

// A lease: the milliseconds left and a bar (full at the longest lease seen),
// "quiet" for the leader of an idle group (it gave its lease up and stopped
// heartbeating until something wakes it), or "none" for a leader without a
// valid lease; empty for a follower. In a cell of the partition table, or a
// line under a node card's role.
const kLeaseTitle = 'lease time left: the leader serves strongly consistent reads until it expires; every heartbeat round that a majority answers renews it';
const kQuietTitle = 'quiet: the group is idle, so its replicas stopped ticking and heartbeating and the leader gave its lease up; a write or a consistent read wakes it';
let leaseMsMax = 1;
function lease(tag, ms, isLeader, quiet) {
  const el = h(tag, { class: tag === 'td' ? 'lease num' : 'lease', title: kLeaseTitle });
  setLease(el, ms, isLeader, quiet);
  return el;
}

function setLease(el, ms, isLeader, quiet) {
  const left = Number(ms) || 0;
  leaseMsMax = Math.max(leaseMsMax, left);
  el.dataset.leaseMs = String(left);
  el.dataset.quiet = String(Boolean(quiet));
  el.title = quiet ? kQuietTitle : kLeaseTitle;
  el.classList.toggle('expired', isLeader && left === 0 && !quiet);
  if (!isLeader) {
    el.replaceChildren();
    return;
  }
  if (quiet) {
    el.replaceChildren(h('span', { class: 'quiet', text: 'quiet' }));
    return;
  }
  const bar = h('span', { class: 'lease-bar' }, h('span', { style: `width: ${Math.round((100 * left) / leaseMsMax)}%` }));
  el.replaceChildren(bar, h('span', { text: left ? `${left} ms` : 'none' }));
}

function updateLeases(snap) {
  for (const n of snap.nodes) {
    const card = nodeCards.get(n.id);
    if (!card) continue;
    for (const r of n.replicas) {
      const el = card.body.querySelector(`tr[data-group="${r.group}"] .lease`);
      if (el) setLease(el, r.leaseMsLeft, r.role === 'leader', r.quiescent);
    }
  }
  for (const t of snap.tables) {
    const card = document.querySelector(`#partitions .table-card[data-table="${CSS.escape(t.name)}"]`);
    if (!card) continue;
    for (const p of t.partitions) {
      const el = card.querySelector(`tr[data-group="${p.group}"] .lease`);
      if (el) setLease(el, p.leaseMsLeft, p.leader !== undefined, p.quiescent);
    }
  }
}

function ballotText(ballot, nodes) {
  const round = Math.floor(ballot / kBallotRound);
  const proposer = nodes.get(ballot % kBallotRound);
  return { text: `${round}`, title: `ballot ${ballot}: round ${round}, proposed by ${proposer ? proposer.name : 'node ' + (ballot % kBallotRound)}` };
}

function render(snap) {
  const facts = index(snap);
  renderCounters(snap);
  renderNetwork(snap);
  renderAzs(snap, facts);
  renderPartitions(snap, facts);
  updateLeases(snap);
  renderAlarms(snap, facts.nodes);
}

function renderCounters(snap) {
  const total = sum(snap.memds.map((m) => m.lookups));
  document.getElementById('memds-figures').replaceChildren(
    ...snap.memds.map((m, i) => figure(`memds-${i + 1}`, m.lookups, 'lookups')),
    figure('total', total, 'lookups'));
  document.getElementById('router-figures').replaceChildren(...snap.routers.map((r, i) => {
    const all = r.cacheHits + r.cacheMisses;
    const ratio = all ? `${Math.round((100 * r.cacheHits) / all)}% hits` : 'no lookups yet';
    return figure(`router-${i + 1}`, `${r.cacheHits} / ${r.cacheMisses}`, `hits / misses · ${ratio}`);
  }));
}

function figure(label, value, unit) {
  return h('div', { class: 'figure' }, h('span', { class: 'label', text: label }),
    h('b', { text: String(value) }), h('span', { class: 'unit', text: unit }));
}

async function power(on, target, button) {
  button.disabled = true;
  try {
    await admin(on ? 'power-on' : 'power-off', { target });
    notify(`${target} powered ${on ? 'on' : 'off'}`, 'ok');
  } catch (e) {
    notify(`power ${on ? 'on' : 'off'} ${target}: ${errorText(e)}`, 'error');
  } finally {
    button.disabled = false;
    schedule(0);
  }
}

function azColumn(az) {
  let col = azColumns.get(az);
  if (col) return col;
  const off = h('button', { class: 'small danger', onClick: () => power(false, az, off) }, 'Power off AZ');
  const on = h('button', { class: 'small', onClick: () => power(true, az, on) }, 'Power on AZ');
  const nodes = h('div', { class: 'nodes' });
  const el = h('div', { class: 'az', 'data-az': az },
    h('header', {}, h('h3', { text: az }), h('span', { class: 'buttons' }, off, on)), nodes);
  col = { el, nodes };
  azColumns.set(az, col);
  document.getElementById('azs').append(el);
  return col;
}

function nodeCard(node) {
  let card = nodeCards.get(node.id);
  if (card) return card;
  const badge = h('span', { class: 'badge' });
  const button = h('button', { class: 'small' });
  button.addEventListener('click', () => power(!card.up, node.name, button));
  const body = h('div', { class: 'replicas' });
  const disk = h('span', { class: 'disk-delay' });
  const diskButton = h('button', { class: 'small', name: 'slow-disk' });
  diskButton.addEventListener('click', () => slowDisk(node.name, card.diskDelayMs ? 0 : kSlowDiskMs, diskButton));
  const el = h('article', { class: 'node', 'data-node': node.name },
    h('header', {}, h('h4', { text: node.name }), badge, button), body,
    h('div', { class: 'disk' }, diskButton, disk));
  card = { el, badge, button, body, disk, diskButton, diskDelayMs: null, sig: '', up: null };
  nodeCards.set(node.id, card);
  return card;
}

function renderAzs(snap, facts) {
  for (const node of snap.nodes) {
    const col = azColumn(node.az);
    const card = nodeCard(node);
    if (card.el.parentElement !== col.nodes) col.nodes.append(card.el);
    if (card.up !== node.up) {
      card.up = node.up;
      card.el.classList.toggle('down', !node.up);
      card.el.dataset.up = String(node.up);
      card.badge.textContent = node.up ? 'up' : 'down';
      card.badge.className = `badge ${node.up ? 'up' : 'down'}`;
      card.button.textContent = node.up ? 'Power off' : 'Power on';
      card.button.classList.toggle('danger', node.up);
    }
    const sig = withoutLeases([node.up, node.replicas, [...facts.groups]]);
    if (sig === card.sig) continue;
    card.sig = sig;
    card.body.replaceChildren(replicaTable(node, facts));
  }
  for (const node of snap.nodes) renderDisk(nodeCard(node), node);
  for (const [az, col] of azColumns) {
    const nodes = snap.nodes.filter((n) => n.az === az);
    col.el.classList.toggle('down', nodes.length > 0 && nodes.every((n) => !n.up));
  }
}

function replicaTable(node, facts) {
  if (!node.up) return h('p', { class: 'muted', text: 'powered off: its replicas are gone from memory; its SQLite file stays' });
  if (node.replicas.length === 0) return h('p', { class: 'muted', text: 'no replicas yet' });
  const rows = [...node.replicas].sort((a, b) => a.group - b.group).map((r) => {
    const ballot = ballotText(r.ballot, facts.nodes);
    const leader = r.role === 'leader';
    // Under the group: its table and partition, and the items this replica
    // holds; under a leader's role: its lease.
    const items = r.role === 'log'
      ? h('small', { class: 'replica-items', title: 'a log replica holds the WAL only', text: 'WAL only' })
      : h('small', { class: 'replica-items', 'data-items': r.itemCount, title: `${r.itemCount} items, ${sizeText(r.sizeBytes)}`, text: `${r.itemCount} items` });
    return h('tr', { class: leader ? 'leader' : '', 'data-group': r.group },
      h('td', { title: facts.groups.get(r.group) || '' }, `g${r.group}`,
        h('small', { text: facts.groups.get(r.group) || '' }), items),
      h('td', {}, r.role, lease('small', r.leaseMsLeft, leader, r.quiescent)),
      h('td', { class: 'num', title: ballot.title, text: ballot.text }),
      h('td', { class: 'num', text: r.commitLsn }),
      h('td', { class: 'num', text: r.appliedLsn }),
      h('td', { class: 'num', text: r.lastLsn }));
  });
  const titles = { group: 'group, its table and partition, the items this replica holds', role: 'role; a leader\'s lease time left', ballot: 'ballot round', last: 'last LSN in the WAL' };
  return h('table', { class: 'grid compact' },
    h('thead', {}, h('tr', {}, ['group', 'role', 'ballot', 'commit', 'applied', 'last'].map((c) =>
      h('th', { text: c, title: titles[c] || '' })))),
    h('tbody', {}, rows));
}

let partitionsSig = '';

function renderPartitions(snap, facts) {
  const leaderOf = (g) => {
    const l = facts.leaders.get(g);
    return l ? [l.node.id, l.replica.ballot, l.replica.commitLsn] : null;
  };
  const sig = withoutLeases([snap.tables, snap.nodes.map((n) => n.up),
    snap.tables.flatMap((t) => t.partitions.map((p) => leaderOf(p.group)))]);
  if (sig === partitionsSig) return;
  partitionsSig = sig;
  const el = document.getElementById('partitions');
  if (snap.tables.length === 0) {
    el.replaceChildren(h('p', { class: 'muted', text: 'No tables yet: create one in the data browser.' }));
    return;
  }
  el.replaceChildren(...snap.tables.map((t) => {
    const { ns, table } = splitTableName(t.name);
    const led = t.partitions.filter((p) => p.leader !== undefined);
    const items = sum(led.map((p) => p.itemCount));
    const bytes = sum(led.map((p) => p.sizeBytes));
    const totals = led.length === t.partitions.length ? ` · ${items} items · ${sizeText(bytes)}` : '';
    return h('div', { class: 'card table-card', 'data-table': t.name },
      h('h3', {}, h('span', { class: 'ns', text: ns || 'shared' }), ' ', table,
        h('small', { text: ` table id ${t.id} · ${t.partitions.length} partitions${totals}` })),
      h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['group', 'hash range', 'members (leader highlighted)', 'ballot', 'commit LSN', 'items', 'size', 'lease left', ...scrubHeaders]
          .map((c) => h('th', { text: c })))),
        h('tbody', {}, t.partitions.map((p) => partitionRow(p, facts)))));
  }));
}

function partitionRow(p, facts) {
  const leader = facts.leaders.get(p.group);
  const members = p.members.map((id) => {
    const n = facts.nodes.get(id);
    const isLeader = leader && leader.node.id === id;
    const cls = ['member', isLeader ? 'leader' : '', n && !n.up ? 'down' : ''].join(' ');
    return h('span', { class: cls, title: isLeader ? 'leader' : n && !n.up ? 'powered off' : 'follower' },
      n ? n.name : `node ${id}`);
  });
  // Log replicas (WAL only) hold the write quorum while a member is replaced.
  for (const id of p.logMembers || []) {
    const n = facts.nodes.get(id);
    members.push(h('span', { class: 'member log', title: 'log replica: WAL only, while the group heals' },
      `${n ? n.name : `node ${id}`} (log)`));
  }
  const ballot = leader ? ballotText(leader.replica.ballot, facts.nodes) : null;
  // Items and size as the group's leader holds them (all of its applied writes).
  const led = p.leader !== undefined;
  return h('tr', { 'data-group': p.group, 'data-leader': leader ? leader.node.name : '', 'data-items': led ? p.itemCount : '' },
    h('td', { text: `g${p.group}` }),
    h('td', { class: 'mono', text: `${p.hashLo} – ${p.hashHi}` }),
    h('td', {}, members, leader ? null : h('span', { class: 'member noleader', text: 'no leader' })),
    h('td', { class: 'num', title: ballot ? ballot.title : '', text: ballot ? ballot.text : '–' }),
    h('td', { class: 'num', text: leader ? leader.replica.commitLsn : '–' }),
    h('td', { class: 'num part-items', text: led ? p.itemCount : '–' }),
    h('td', { class: 'num part-size', title: led ? `${p.sizeBytes} bytes` : '', text: led ? sizeText(p.sizeBytes) : '–' }),
    lease('td', p.leaseMsLeft, led, p.quiescent),
    scrubCells(p, facts.nodes));
}

// Network and disks: partitions between AZs or nodes, dropped and delayed
// messages (POST /admin/network replaces them all; {} heals), slow disks
// (POST /admin/slow-disk).

const kSlowDiskMs = 50;
let networkSig = '';

function networkPanel() {
  const dropRate = h('input', { type: 'number', name: 'dropRate', min: 0, max: 1, step: 'any', value: '0', title: 'share of messages dropped, 0 to 1' });
  const delayMs = h('input', { type: 'number', name: 'delayMs', min: 0, step: 1, value: '0', title: 'delay added to every message, ms' });
  const corruptRate = h('input', { type: 'number', name: 'corruptRate', min: 0, max: 1, step: 'any', value: '0', title: 'share of messages with a bit flipped in flight (the receiver checks each message\'s CRC-32 and drops it), 0 to 1' });
  const apply = h('button', { class: 'small', type: 'submit', name: 'apply-network' }, 'Apply');
  const form = h('form', { class: 'network-form' },
    h('label', {}, 'drop rate ', dropRate), h('label', {}, 'delay (ms) ', delayMs),
    h('label', {}, 'corrupt rate ', corruptRate), apply);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { dropRate: Number(dropRate.value), delayMs: Number(delayMs.value), corruptRate: Number(corruptRate.value) };
    const partition = latest && latest.network ? latest.network.partition : [];
    if (partition && partition.length) body.partition = partition;
    setNetwork(body, apply, `network: drop rate ${body.dropRate}, delay ${body.delayMs} ms`);
  });
  const staleMs = h('input', { type: 'number', name: 'staleReadsMs', min: 0, max: 60000, step: 1, value: '0', title: 'followers apply committed writes this late, ms (0: off)' });
  const staleApply = h('button', { class: 'small', type: 'submit', name: 'apply-stale-reads' }, 'Apply');
  const staleForm = h('form', { class: 'network-form' }, h('label', {}, 'stale reads (ms) ', staleMs), staleApply);
  staleForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    staleApply.disabled = true;
    try {
      await admin('stale-reads', { delayMs: Number(staleMs.value) });
      notify(Number(staleMs.value) ? `followers apply writes ${staleMs.value} ms late` : 'stale reads off', 'ok');
    } catch (e) {
      notify(`stale reads: ${errorText(e)}`, 'error');
    } finally {
      staleApply.disabled = false;
      schedule(0);
    }
  });
  return h('section', { class: 'card network', id: 'network' },
    h('h3', {}, 'Network and disks ', h('small', { text: 'partitions, dropped and delayed messages; slow disks on each node below' })),
    h('div', { class: 'buttons', id: 'network-buttons' }),
    form,
    staleForm,
    h('div', { class: 'network-state', id: 'network-state' }));
}

async function setNetwork(body, button, message) {
  button.disabled = true;
  try {
    await admin('network', body);
    notify(message, 'ok');
  } catch (e) {
    notify(`network: ${errorText(e)}`, 'error');
  } finally {
    button.disabled = false;
    schedule(0);
  }
}

async function slowDisk(target, delayMs, button) {
  button.disabled = true;
  try {
    await admin('slow-disk', { target, delayMs });
    notify(`${target}: disk ${delayMs ? `slowed by ${delayMs} ms` : 'back to normal'}`, 'ok');
  } catch (e) {
    notify(`slow disk ${target}: ${errorText(e)}`, 'error');
  } finally {
    button.disabled = false;
    schedule(0);
  }
}

function renderDisk(card, node) {
  const ms = node.diskDelayMs || 0;
  if (card.diskDelayMs === ms) return;
  card.diskDelayMs = ms;
  card.el.dataset.diskDelay = String(ms);
  card.diskButton.textContent = ms ? 'Normal disk' : `Slow disk (${kSlowDiskMs} ms)`;
  card.diskButton.classList.toggle('danger', ms > 0);
  card.disk.textContent = ms ? `disk delay ${ms} ms` : '';
}

function renderNetwork(snap) {
  const azs = [...new Set(snap.nodes.map((n) => n.az))].sort();
  const net = snap.network || { partition: [], dropRate: 0, delayMs: 0, messagesDropped: 0 };
  const partition = net.partition || [];
  const sig = JSON.stringify([azs, net, snap.staleReadsMs]);
  if (sig === networkSig) return;
  const first = networkSig === '';
  networkSig = sig;
  const buttons = document.getElementById('network-buttons');
  if (buttons.dataset.azs !== azs.join(',')) {
    buttons.dataset.azs = azs.join(',');
    buttons.replaceChildren(...azs.map((az) => {
      const b = h('button', { class: 'small danger', name: `isolate-${az}` }, `Isolate ${az}`);
      b.addEventListener('click', () => {
        const current = latest && latest.network ? latest.network : {};
        setNetwork({ partition: [[az], azs.filter((a) => a !== az)], dropRate: current.dropRate || 0, delayMs: current.delayMs || 0, corruptRate: current.corruptRate || 0 },
          b, `network: ${az} isolated`);
      });
      return b;
    }), (() => {
      const heal = h('button', { class: 'small', name: 'heal-network' }, 'Heal network');
      heal.addEventListener('click', () => setNetwork({}, heal, 'network healed'));
      return heal;
    })());
  }
  if (first) {
    document.querySelector('#network input[name=dropRate]').value = String(net.dropRate || 0);
    document.querySelector('#network input[name=delayMs]').value = String(net.delayMs || 0);
    document.querySelector('#network input[name=corruptRate]').value = String(net.corruptRate || 0);
    document.querySelector('#network input[name=staleReadsMs]').value = String(snap.staleReadsMs || 0);
  }
  const state = document.getElementById('network-state');
  state.dataset.partition = JSON.stringify(partition);
  state.replaceChildren(
    figure('partition', partition.length ? partition.map((g) => g.join(', ')).join('  |  ') : 'none', partition.length ? 'groups that cannot reach each other' : 'every node reaches every other'),
    figure('drop rate', net.dropRate || 0, 'of messages'),
    figure('delay', net.delayMs || 0, 'ms per message'),
    figure('corrupt rate', net.corruptRate || 0, 'of messages'),
    figure('messages dropped', net.messagesDropped || 0, 'since start'),
    figure('checksum failures', net.messagesCorrupted || 0, 'messages dropped by the receiver'),
    figure('stale reads', snap.staleReadsMs || 0, 'ms late on followers'));
}
