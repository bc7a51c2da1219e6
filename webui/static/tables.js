// The data browser's frame: the namespace picker, the tables of the namespace
// (list, create, describe, delete) and, for the selected table, its items.
// The namespace is shown everywhere and the other namespaces holding tables
// are listed, so that no table seems to vanish when credentials change.

import { ApiError, clusterNamespace, dynamo, errorText, getNamespace, onNamespaceChange, setNamespace } from './api.js';
import { $, h, confirmBox, notify, sleep } from './dom.js';
import { onSnapshot, splitTableName } from './cluster.js';
import { ItemBrowser } from './items.js';
import { IndexFields, indexList, indexesChanging } from './indexes.js';

const kMaxTables = 10000;
const kIndexPollMs = 1000;  // DescribeTable while a global index is being built
let selected = null;  // name of the table shown
let otherNamespacesSig = '';

export function startTables() {
  const form = $('#ns-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const accessKey = form.elements.accessKey.value.trim();
    const region = form.elements.region.value.trim();
    if (!accessKey || !region) return notify('The namespace needs an access key id and a region', 'error');
    setNamespace({ accessKey, region });
  });
  $('#create-table').addEventListener('click', openCreateDialog);
  $('#refresh-tables').addEventListener('click', () => loadTables());
  onNamespaceChange(() => {
    showNamespace();
    clearPane();
    loadTables();
  });
  onSnapshot((snap) => snap && renderOtherNamespaces(snap));
  showNamespace();
  clearPane();
  loadTables();
}

function nsText(ns) {
  return `${ns.accessKey} / ${ns.region}`;
}

function showNamespace() {
  const ns = getNamespace();
  const form = $('#ns-form');
  form.elements.accessKey.value = ns.accessKey;
  form.elements.region.value = ns.region;
  for (const el of document.querySelectorAll('.ns-current')) el.textContent = nsText(ns);
  otherNamespacesSig = '';
}

// Namespaces other than the current one that hold tables, from /admin/cluster.
function renderOtherNamespaces(snap) {
  const current = clusterNamespace(getNamespace());
  const counts = new Map();
  for (const t of snap.tables) {
    if (t.globalIndexOf) continue;  // a global index's own cluster table
    const { ns } = splitTableName(t.name);
    if (ns && ns !== current) counts.set(ns, (counts.get(ns) || 0) + 1);
  }
  const sig = JSON.stringify([...counts]);
  if (sig === otherNamespacesSig) return;
  otherNamespacesSig = sig;
  const box = $('#ns-others');
  if (counts.size === 0) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren('Tables also in: ', ...[...counts].map(([ns, n]) => {
    const cut = ns.lastIndexOf('_');  // "<key>_<region>": regions have no "_"
    const target = { accessKey: ns.slice(0, cut), region: ns.slice(cut + 1) };
    return h('button', { class: 'link', title: 'switch to this namespace', onClick: () => setNamespace(target) },
      `${nsText(target)} (${n})`);
  }));
}

async function loadTables() {
  const list = $('#table-list');
  const names = [];
  try {
    let start;
    do {
      const out = await dynamo('ListTables', { ExclusiveStartTableName: start, Limit: 100 });
      names.push(...out.TableNames);
      start = out.LastEvaluatedTableName;
    } while (start && names.length < kMaxTables);
  } catch (e) {
    list.replaceChildren(h('li', { class: 'error', text: errorText(e) }));
    return;
  }
  $('#table-count').textContent = String(names.length);
  list.replaceChildren(...names.map((name) => h('li', {},
    h('button', { class: `table-link${name === selected ? ' selected' : ''}`, 'data-table': name, onClick: () => selectTable(name) }, name))));
  if (names.length === 0) list.append(h('li', { class: 'muted', text: 'No tables in this namespace.' }));
  if (selected && !names.includes(selected)) clearPane();
}

function clearPane() {
  selected = null;
  $('#table-pane').replaceChildren(h('p', { class: 'muted placeholder' },
    'Pick a table, or create one. Tables are listed for the namespace ', h('b', { class: 'ns-current', text: nsText(getNamespace()) }), '.'));
}

async function selectTable(name) {
  let table;
  try {
    table = (await dynamo('DescribeTable', { TableName: name })).Table;
  } catch (e) {
    notify(`DescribeTable ${name}: ${errorText(e)}`, 'error');
    return;
  }
  selected = name;
  for (const b of document.querySelectorAll('.table-link')) b.classList.toggle('selected', b.dataset.table === name);
  const keys = table.KeySchema.map((k) => {
    const type = table.AttributeDefinitions.find((d) => d.AttributeName === k.AttributeName).AttributeType;
    return h('span', { class: 'keydef' }, h('code', { text: k.AttributeName }), ` ${type} · ${k.KeyType === 'HASH' ? 'partition key' : 'sort key'}`);
  });
  const describe = h('pre', { class: 'json' });
  const details = h('details', { class: 'describe', onToggle: async () => {
    if (!details.open) return;
    try {
      describe.textContent = JSON.stringify(await dynamo('DescribeTable', { TableName: name }), null, 2);
    } catch (e) {
      describe.textContent = errorText(e);
    }
  } }, h('summary', {}, 'Describe (DescribeTable JSON)'), describe);
  const items = h('div');
  const indexes = h('div', { class: 'table-indexes' }, indexList(table));
  const billing = table.BillingModeSummary ? table.BillingModeSummary.BillingMode : 'PROVISIONED';
  const pane = h('div', { class: 'table-view', 'data-table': name },
    h('header', { class: 'table-head' },
      h('h2', {}, h('span', { class: 'ns ns-current', text: nsText(getNamespace()) }), ' ', name),
      h('span', { class: 'keys' }, keys, h('span', { class: 'keydef', text: billing })),
      h('span', { class: 'spacer' }),
      h('button', { class: 'danger', name: 'delete-table', onClick: () => deleteTable(name) }, 'Delete table')),
    indexes, details, items);
  $('#table-pane').replaceChildren(pane);
  const browser = new ItemBrowser(items, table);
  if (indexesChanging(table)) watchIndexes(pane, indexes, browser, name);
  await browser.run();
}

// While a global index of the table shown is CREATING (or DELETING), its
// status is polled with DescribeTable and shown, until every index is
// ACTIVE or another table (or namespace) is shown.
async function watchIndexes(pane, indexes, browser, name) {
  const ns = nsText(getNamespace());
  for (;;) {
    await sleep(kIndexPollMs);
    if (!pane.isConnected || nsText(getNamespace()) !== ns) return;
    let table;
    try {
      table = (await dynamo('DescribeTable', { TableName: name })).Table;
    } catch (e) {
      // Gone (deleted meanwhile): the table list catches up by itself.
      if (pane.isConnected && !(e instanceof ApiError && e.shortType === 'ResourceNotFoundException')) {
        notify(`DescribeTable ${name}: ${errorText(e)}`, 'error');
      }
      return;
    }
    if (!pane.isConnected) return;
    indexes.replaceChildren(indexList(table) || '');
    browser.updateIndexes(table);
    if (!indexesChanging(table)) return;
  }
}

async function deleteTable(name) {
  if (!(await confirmBox(`Delete table ${name} (namespace ${nsText(getNamespace())}) and all its items?`, 'Delete table'))) return;
  try {
    await dynamo('DeleteTable', { TableName: name });
    notify(`Table ${name} deleted`, 'ok');
  } catch (e) {
    notify(`DeleteTable ${name}: ${errorText(e)}`, 'error');
  }
  await loadTables();
}

function keyFields(label, required) {
  return h('fieldset', {}, h('legend', { text: label }),
    h('input', { name: `${label}-name`, placeholder: 'attribute name', required, 'aria-label': `${label} name` }),
    h('select', { name: `${label}-type`, 'aria-label': `${label} type` },
      h('option', { value: 'S' }, 'String (S)'), h('option', { value: 'N' }, 'Number (N)'), h('option', { value: 'B' }, 'Binary (B)')));
}

function openCreateDialog() {
  const error = h('p', { class: 'error', role: 'alert' });
  const capacity = h('span', { class: 'capacity', hidden: true },
    h('label', {}, 'read capacity ', h('input', { name: 'rcu', type: 'number', min: 1, value: '5', size: 4 })),
    h('label', {}, ' write capacity ', h('input', { name: 'wcu', type: 'number', min: 1, value: '5', size: 4 })));
  const billing = h('select', { name: 'billing', onChange: () => { capacity.hidden = billing.value !== 'PROVISIONED'; } },
    h('option', { value: 'PAY_PER_REQUEST' }, 'On-demand (PAY_PER_REQUEST)'),
    h('option', { value: 'PROVISIONED' }, 'Provisioned'));
  const indexFields = new IndexFields(() => ({
    name: form.elements['partition key-name'].value.trim(),
    type: form.elements['partition key-type'].value,
  }));
  const form = h('form', { method: 'dialog', class: 'create' },
    h('h3', {}, 'Create table in ', h('span', { class: 'ns', text: nsText(getNamespace()) })),
    h('label', { class: 'block' }, 'Table name ', h('input', { name: 'tableName', required: true, size: 30 })),
    keyFields('partition key', true),
    keyFields('sort key', false),
    h('p', { class: 'hint', text: 'Leave the sort key name empty for a table with a partition key only.' }),
    h('label', { class: 'block' }, 'Billing mode ', billing, ' ', capacity),
    indexFields.element,
    h('p', { class: 'hint', text: 'A local index shares the table\'s partition key and needs a sort key; a global index has keys of its own (and, when provisioned, the table\'s capacity).' }),
    error,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', onClick: () => dialog.close() }, 'Cancel'),
      h('button', { class: 'primary', type: 'submit', name: 'create' }, 'Create table')));
  const dialog = h('dialog', {}, form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const name = f.tableName.value.trim();
    const attrs = [{ AttributeName: f['partition key-name'].value.trim(), AttributeType: f['partition key-type'].value }];
    const schema = [{ AttributeName: attrs[0].AttributeName, KeyType: 'HASH' }];
    if (f['sort key-name'].value.trim()) {
      attrs.push({ AttributeName: f['sort key-name'].value.trim(), AttributeType: f['sort key-type'].value });
      schema.push({ AttributeName: attrs[1].AttributeName, KeyType: 'RANGE' });
    }
    const body = { TableName: name, AttributeDefinitions: attrs, KeySchema: schema, BillingMode: billing.value };
    if (billing.value === 'PROVISIONED') {
      body.ProvisionedThroughput = { ReadCapacityUnits: Number(f.rcu.value), WriteCapacityUnits: Number(f.wcu.value) };
    }
    try {
      indexFields.addTo(body, body.ProvisionedThroughput);
    } catch (err) {
      error.textContent = err.message;
      return;
    }
    try {
      await dynamo('CreateTable', body);
    } catch (err) {
      error.textContent = errorText(err);
      return;
    }
    dialog.close();
    notify(`Table ${name} created`, 'ok');
    await loadTables();
    await selectTable(name);
  });
  form.addEventListener('input', (e) => {
    if (e.target.name && e.target.name.startsWith('partition key-')) indexFields.syncAll();
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
