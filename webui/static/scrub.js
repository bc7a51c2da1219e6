// Scrub and the WAL archive in the cluster view: per partition the archived
// LSN and the last scrub (time, LSN, result, each replica's verdict), a
// "flip a bit" button that rots a stored item on the chosen replica
// (POST /admin/bit-rot), "Scrub now" (POST /admin/scrub), and the recent
// alarms (GET /admin/cluster's scrubAlarms): a mismatch and its repair show
// at the next poll, within about a second.

import { admin, errorText } from './api.js';
import { h, notify } from './dom.js';

const chosen = new Map();  // group -> node name picked for bit rot
let alarmsSig = '';
let refresh = () => {};

// `poll` asks the cluster view to poll again at once.
export function scrubPanel(poll) {
  refresh = poll;
  const now = h('button', { class: 'small', name: 'scrub-now' }, 'Scrub now');
  now.addEventListener('click', () => scrubNow(now));
  return h('section', { class: 'card scrub', id: 'scrub' },
    h('h3', {}, 'Scrub and WAL archive ',
      h('small', { text: 'replicas compared at the same LSN with a replica rebuilt from the archived WAL; a bad one is repaired from a good one' })),
    h('div', { class: 'buttons' }, now),
    h('div', { id: 'scrub-alarms' }, h('p', { class: 'muted', text: 'No alarm.' })));
}

export const scrubHeaders = ['archived LSN', 'last scrub', 'bit rot'];

// The cells a partition row adds: archive, scrub result, bit-rot control.
export function scrubCells(p, nodes) {
  const s = p.scrub || {};
  const result = s.result || 'never';
  const when = s.lastScrubMs ? new Date(s.lastScrubMs).toLocaleTimeString() : '';
  const verdicts = (s.replicas || []).map((r) => {
    const n = nodes.get(r.node);
    return `${n ? n.name : 'node ' + r.node}: ${r.state}${r.digest ? ' ' + r.digest.slice(0, 8) : ''}`;
  }).join('\n');
  const title = [s.detail, s.scrubLsn ? `compared at LSN ${s.scrubLsn}` : '', s.referenceDigest ? `reference ${s.referenceDigest.slice(0, 8)} (from the archive)` : '', verdicts]
    .filter(Boolean).join('\n');
  const members = p.members.map((id) => nodes.get(id)).filter(Boolean);
  if (!chosen.has(p.group) && members.length) chosen.set(p.group, members[members.length - 1].name);
  const select = h('select', { name: 'bit-rot-node', title: 'the replica whose stored item gets a flipped bit' },
    members.map((n) => h('option', { value: n.name, selected: chosen.get(p.group) === n.name }, n.name)));
  select.addEventListener('change', () => chosen.set(p.group, select.value));
  const flip = h('button', { class: 'small danger', name: 'bit-rot' }, 'Flip a bit');
  flip.addEventListener('click', () => bitRot(p.group, select.value, flip));
  return [
    h('td', { class: 'num archived', title: `${s.archiveSegments || 0} segments in archive/`, text: s.archivedLsn || 0 }),
    h('td', { class: `scrub-result ${result}`, 'data-scrub': result, title },
      h('span', { class: 'verdict', text: result }), when ? h('small', { text: ` ${when}` }) : null,
      s.repairs ? h('small', { text: ` · ${s.repairs} repaired` }) : null),
    h('td', {}, select, flip),
  ];
}

export function renderAlarms(snap, nodes) {
  const alarms = snap.scrubAlarms || [];
  const sig = JSON.stringify(alarms);
  if (sig === alarmsSig) return;
  alarmsSig = sig;
  const box = document.getElementById('scrub-alarms');
  if (!box) return;
  if (alarms.length === 0) {
    box.replaceChildren(h('p', { class: 'muted', text: 'No alarm.' }));
    return;
  }
  box.replaceChildren(h('ul', { class: 'alarms' }, [...alarms].reverse().slice(0, 12).map((a) => {
    const n = nodes.get(a.node);
    const ok = a.kind === 'replica-repaired';
    return h('li', { class: ok ? 'repaired' : 'alarm', 'data-kind': a.kind },
      h('b', { text: a.kind }), ' ',
      h('small', { text: new Date(a.timeMs).toLocaleTimeString() }), ' ',
      `partition g${a.partition}${n ? ' on ' + n.name : ''}: ${a.message}`);
  })));
}

async function bitRot(group, node, button) {
  button.disabled = true;
  try {
    const r = await admin('bit-rot', { node, partition: group, pick: Math.floor(Math.random() * 1e6) });
    notify(`flipped a bit of an item of g${group} on ${node} (key ${r.hashKeyHex.slice(0, 16)}…)`, 'ok');
  } catch (e) {
    notify(`bit rot on ${node}: ${errorText(e)}`, 'error');
  } finally {
    button.disabled = false;
    refresh();
  }
}

async function scrubNow(button) {
  button.disabled = true;
  try {
    const r = await admin('scrub', {});
    const bad = r.partitions.filter((p) => p.result !== 'ok');
    notify(bad.length ? `scrub: ${bad.map((p) => `g${p.group} ${p.result}`).join(', ')}` : `scrub: ${r.partitions.length} partitions ok`,
      bad.some((p) => p.result === 'mismatch' || p.result === 'error') ? 'error' : 'ok');
  } catch (e) {
    notify(`scrub: ${errorText(e)}`, 'error');
  } finally {
    button.disabled = false;
    refresh();
  }
}
