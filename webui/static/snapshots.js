// Snapshots in the cluster view: take a named snapshot of every table
// (POST /admin/snapshot), and restore or delete one (POST /admin/restore,
// DELETE /admin/snapshots/NAME). The list is read from GET /admin/snapshots
// after each change and when the view starts.

import { admin, adminDelete, errorText } from './api.js';
import { confirmBox, h, notify } from './dom.js';

export function snapshotsPanel() {
  const name = h('input', { name: 'snapshot-name', size: 16, value: 'base', autocomplete: 'off' });
  const take = h('button', { class: 'small', type: 'submit', name: 'take-snapshot' }, 'Take snapshot');
  const form = h('form', { class: 'faults-form', id: 'snapshot-form' }, h('label', {}, 'name ', name), take);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await run(take, async () => {
      const out = await admin('snapshot', { name: name.value.trim() });
      notify(`snapshot ${name.value.trim()} taken in ${out.ms} ms`, 'ok');
    }, 'snapshot');
  });
  return h('section', { class: 'card faults', id: 'snapshots' },
    h('h3', {}, 'Snapshots ', h('small', { text: 'every table, restored below the API in one step; requests wait meanwhile' })),
    form,
    h('ul', { class: 'snapshot-list', id: 'snapshot-list' }));
}

export function startSnapshots() {
  refresh();
}

async function run(button, fn, what) {
  button.disabled = true;
  try {
    await fn();
  } catch (e) {
    notify(`${what}: ${errorText(e)}`, 'error');
  } finally {
    button.disabled = false;
    refresh();
  }
}

async function refresh() {
  let list;
  try {
    list = (await admin('snapshots')).snapshots;
  } catch {
    return;  // the status line shows a server that does not answer
  }
  const ul = document.getElementById('snapshot-list');
  if (!ul) return;
  ul.replaceChildren(...(list.length ? list.map((s) => {
    const restore = h('button', { class: 'small danger', name: 'restore-snapshot' }, 'Restore');
    const remove = h('button', { class: 'small', name: 'delete-snapshot' }, 'Delete');
    restore.addEventListener('click', async () => {
      if (!await confirmBox(`Restore every table to snapshot ${s.name}? Changes since then are lost.`, 'Restore')) return;
      await run(restore, async () => {
        const out = await admin('restore', { name: s.name });
        notify(`restored ${s.name} in ${out.ms} ms`, 'ok');
      }, 'restore');
    });
    remove.addEventListener('click', () => run(remove, () => adminDelete(`snapshots/${encodeURIComponent(s.name)}`), 'delete snapshot'));
    return h('li', { 'data-snapshot': s.name },
      h('b', { text: s.name }), ' ', h('span', { class: 'muted', text: new Date(s.createdMs).toLocaleString() }), ' ',
      restore, ' ', remove);
  }) : [h('li', { class: 'muted', text: 'no snapshot yet' })]));
}
