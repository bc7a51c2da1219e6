// Fault rules in the cluster view: a form that adds a rule (POST
// /admin/faults: an error for the next N requests on a table, or
// UnprocessedItems for BatchWriteItem), and the rules in force with what
// is left of each and a Remove button (DELETE /admin/faults/ID). Polls
// GET /admin/faults about every second while the cluster view is shown.

import { admin, adminDelete, errorText } from './api.js';
import { h, notify } from './dom.js';

const kPollMs = 1000;
const kFaults = ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded',
  'InternalServerError', 'TransactionConflictException', 'UnprocessedItems', 'UnprocessedKeys'];
const kOperations = ['write', 'read', 'any', 'PutItem', 'UpdateItem', 'DeleteItem', 'GetItem', 'Query', 'Scan',
  'BatchWriteItem', 'BatchGetItem'];

let timer = null;
let listSig = '';

export function faultsPanel() {
  const field = (name, input) => h('label', {}, `${name} `, input);
  const fault = h('select', { name: 'fault' }, kFaults.map((f) => h('option', { value: f }, f)));
  const table = h('input', { name: 'table', size: 14, placeholder: 'any table', autocomplete: 'off' });
  const operations = h('select', { name: 'operations' }, kOperations.map((o) => h('option', { value: o }, o)));
  const count = h('input', { name: 'count', type: 'number', min: 1, step: 1, value: '3', size: 5 });
  const duration = h('input', { name: 'durationMs', type: 'number', min: 0, step: 1, value: '', size: 7, placeholder: 'none' });
  const key = h('input', { name: 'key', size: 22, placeholder: '{"pk":{"S":"a"}} (optional)', autocomplete: 'off' });
  const add = h('button', { class: 'small', type: 'submit', name: 'add-fault' }, 'Add rule');
  fault.addEventListener('change', () => {
    operations.disabled = fault.value.startsWith('Unprocessed');
  });
  const form = h('form', { class: 'faults-form', id: 'fault-form' },
    field('fault', fault), field('table', table), field('on', operations), field('count', count),
    field('for ms', duration), field('key', key), add);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const rule = { fault: fault.value };
    if (table.value.trim()) rule.table = table.value.trim();
    if (!fault.value.startsWith('Unprocessed')) rule.operations = operations.value;
    if (count.value) rule.count = Number(count.value);
    if (duration.value) rule.durationMs = Number(duration.value);
    if (key.value.trim()) {
      try {
        rule.key = JSON.parse(key.value);
      } catch {
        notify('fault rule: the key is not JSON', 'error');
        return;
      }
    }
    add.disabled = true;
    try {
      const { id } = await admin('faults', rule);
      notify(`fault rule ${id} added`, 'ok');
    } catch (e) {
      notify(`fault rule: ${errorText(e)}`, 'error');
    } finally {
      add.disabled = false;
      schedule(0);
    }
  });
  const clear = h('button', { class: 'small', name: 'clear-faults', onClick: () => remove('faults', clear) }, 'Remove all');
  return h('section', { class: 'card faults', id: 'faults' },
    h('h3', {}, 'Fault rules ', h('small', { text: 'DynamoDB errors or UnprocessedItems for the next requests on a table' })),
    form,
    h('table', { class: 'data faults-list' },
      h('thead', {}, h('tr', {}, ['id', 'fault', 'table', 'on', 'key', 'left', 'expires in', 'fired', ''].map((c) => h('th', { text: c })))),
      h('tbody', { id: 'fault-rules' })),
    h('div', { class: 'buttons' }, clear));
}

export function startFaults() {
  schedule(0);
}

function schedule(delayMs) {
  clearTimeout(timer);
  timer = setTimeout(poll, delayMs);
}

async function poll() {
  try {
    render((await admin('faults')).rules);
  } catch {
    // The status line shows a server that does not answer.
  }
  schedule(kPollMs);
}

async function remove(path, button) {
  button.disabled = true;
  try {
    await adminDelete(path);
  } catch (e) {
    notify(`fault rule: ${errorText(e)}`, 'error');
  } finally {
    button.disabled = false;
    schedule(0);
  }
}

function render(rules) {
  const sig = JSON.stringify(rules);
  if (sig === listSig) return;
  listSig = sig;
  const body = document.getElementById('fault-rules');
  if (!body) return;
  body.replaceChildren(...(rules.length ? rules.map((r) => {
    const button = h('button', { class: 'small', name: 'remove-fault' }, 'Remove');
    button.addEventListener('click', () => remove(`faults/${r.id}`, button));
    return h('tr', { 'data-rule': r.id, 'data-fault': r.fault },
      h('td', { text: r.id }), h('td', { text: r.fault }), h('td', { text: r.table || 'any' }),
      h('td', { text: r.operations }), h('td', { text: r.key ? JSON.stringify(r.key) : 'any' }),
      h('td', { class: 'remaining', text: r.remaining ?? '∞' }),
      h('td', { text: r.expiresInMs == null ? 'never' : `${r.expiresInMs} ms` }),
      h('td', { class: 'fired', text: r.fired }), h('td', {}, button));
  }) : [h('tr', {}, h('td', { colspan: 9, class: 'muted', text: 'no rule: every request runs normally' }))]));
}
