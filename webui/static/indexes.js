// Secondary indexes in the data browser: the index part of the create-table
// dialog (local and global indexes with their keys and projections, turned
// into CreateTable's LocalSecondaryIndexes, GlobalSecondaryIndexes and
// AttributeDefinitions) and the list of a table's indexes in its header.

import { h } from './dom.js';

const kProjections = ['ALL', 'KEYS_ONLY', 'INCLUDE'];

// The indexes of a TableDescription, local ones first, each as
// {name, global, keySchema, hashKey, rangeKey, hashKeys, rangeKeys,
// projection, nonKey, status, backfilling, itemCount}. hashKey and rangeKey
// are the first of each; a global index with multi-attribute keys has up to
// 4 of each in hashKeys and rangeKeys (the data browser's query form uses the
// first ones only, so it cannot query such an index). A local index has no status of its own (DynamoDB
// describes none): it is created and deleted with its table.
export function indexesOf(table) {
  const one = (d, global) => {
    const range = d.KeySchema.find((k) => k.KeyType === 'RANGE');
    return {
      name: d.IndexName,
      global,
      keySchema: d.KeySchema,
      hashKey: d.KeySchema.find((k) => k.KeyType === 'HASH').AttributeName,
      rangeKey: range ? range.AttributeName : null,
      hashKeys: d.KeySchema.filter((k) => k.KeyType === 'HASH').map((k) => k.AttributeName),
      rangeKeys: d.KeySchema.filter((k) => k.KeyType === 'RANGE').map((k) => k.AttributeName),
      projection: d.Projection.ProjectionType,
      nonKey: d.Projection.NonKeyAttributes || [],
      status: global ? d.IndexStatus : null,
      backfilling: Boolean(d.Backfilling),
      itemCount: d.ItemCount,
    };
  };
  return [...(table.LocalSecondaryIndexes || []).map((d) => one(d, false)),
    ...(table.GlobalSecondaryIndexes || []).map((d) => one(d, true))];
}

// "ALL", "KEYS_ONLY" or "INCLUDE (a, b)".
export function projectionText(index) {
  return index.projection === 'INCLUDE' ? `INCLUDE (${index.nonKey.join(', ')})` : index.projection;
}

function statusText(index) {
  if (!index.global) return 'with the table';
  return index.backfilling ? `${index.status} (backfilling)` : index.status;
}

function typeOfAttr(table, name) {
  const d = table.AttributeDefinitions.find((a) => a.AttributeName === name);
  return d ? d.AttributeType : '?';
}

// The table of a table's indexes shown under its header, or null when it has
// none. Rows carry data-index and data-status.
export function indexList(table) {
  const indexes = indexesOf(table);
  if (!indexes.length) return null;
  const one = (name) => [h('code', { text: name }), ` ${typeOfAttr(table, name)}`];
  const key = (names) => (names.length
    ? h('span', {}, names.flatMap((name, n) => (n ? [', ', ...one(name)] : one(name))))
    : h('span', { class: 'muted', text: '—' }));
  return h('table', { class: 'grid compact indexes' },
    h('thead', {}, h('tr', {}, ['Index', 'Kind', 'Partition key', 'Sort key', 'Projection', 'Status', 'Items']
      .map((t) => h('th', { text: t })))),
    h('tbody', {}, indexes.map((i) => h('tr', { 'data-index': i.name, 'data-status': i.status || '' },
      h('td', {}, h('code', { text: i.name })),
      h('td', { text: i.global ? 'global' : 'local' }),
      h('td', {}, key(i.hashKeys)),
      h('td', {}, key(i.rangeKeys)),
      h('td', { class: 'projection', text: projectionText(i) }),
      h('td', { class: `index-status${i.global && i.status !== 'ACTIVE' ? ' busy' : ''}`, text: statusText(i) }),
      h('td', { class: 'num', text: String(i.itemCount ?? '') })))));
}

// True while a global index of `table` is being built or deleted.
export function indexesChanging(table) {
  return indexesOf(table).some((i) => i.global && i.status !== 'ACTIVE');
}

function keyPicker(prefix, label) {
  return h('span', { class: 'keypick' }, `${label} `,
    h('input', { name: `${prefix}-name`, placeholder: 'attribute name', size: 14, 'aria-label': `index ${label} name` }),
    h('select', { name: `${prefix}-type`, 'aria-label': `index ${label} type` },
      h('option', { value: 'S' }, 'S'), h('option', { value: 'N' }, 'N'), h('option', { value: 'B' }, 'B')));
}

// The index fieldsets of the create-table dialog. `tableKey()` gives the
// partition key the dialog holds now, {name, type}: a local index shares it.
export class IndexFields {
  constructor(tableKey) {
    this.tableKey = tableKey;
    this.list = h('div', { class: 'index-list' });
    this.element = h('div', { class: 'index-fields' },
      h('div', { class: 'row' }, h('b', {}, 'Secondary indexes'),
        h('button', { type: 'button', name: 'add-gsi', onClick: () => this.add(true) }, '+ Global index'),
        h('button', { type: 'button', name: 'add-lsi', onClick: () => this.add(false) }, '+ Local index')),
      this.list);
  }

  // Adds the fieldset of one index, global or local (the kind can change).
  add(global) {
    const kind = h('select', { name: 'index-kind', 'aria-label': 'index kind', onChange: () => this.sync(box) },
      h('option', { value: 'global' }, 'global'), h('option', { value: 'local' }, 'local'));
    kind.value = global ? 'global' : 'local';
    const projection = h('select', { name: 'index-projection', 'aria-label': 'projection', onChange: () => this.sync(box) },
      kProjections.map((p) => h('option', { value: p }, p)));
    const box = h('fieldset', { class: 'index' },
      h('legend', {}),
      h('div', { class: 'row' },
        h('label', {}, 'name ', h('input', { name: 'index-name', required: true, size: 18, placeholder: 'index name' })),
        h('label', {}, 'kind ', kind),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'small', name: 'remove-index', title: 'remove this index', onClick: () => box.remove() }, 'Remove')),
      h('div', { class: 'row' }, keyPicker('index-pk', 'partition key'), keyPicker('index-sk', 'sort key')),
      h('div', { class: 'row' },
        h('label', {}, 'projection ', projection),
        h('label', { class: 'grow nonkey' }, 'non-key attributes ',
          h('input', { name: 'index-nonkey', placeholder: 'e.g. title, price', 'aria-label': 'non-key attributes' }))));
    this.list.append(box);
    this.sync(box);
    box.elements['index-name'].focus();
  }

  // Brings one fieldset in line with its kind and projection: a local
  // index's partition key is the table's (shown, not editable) and its sort
  // key is required; only INCLUDE takes non-key attributes.
  sync(box) {
    const f = box.elements;
    const local = f['index-kind'].value === 'local';
    box.dataset.kind = local ? 'local' : 'global';
    box.querySelector('legend').textContent = local ? 'Local secondary index' : 'Global secondary index';
    f['index-pk-name'].disabled = local;
    f['index-pk-type'].disabled = local;
    f['index-pk-name'].required = !local;
    f['index-sk-name'].required = local;
    f['index-sk-name'].placeholder = local ? 'attribute name' : 'none (optional)';
    if (local) {
      const key = this.tableKey();
      f['index-pk-name'].value = key.name;
      f['index-pk-type'].value = key.type;
    } else if (f['index-pk-name'].dataset.mirrored === 'true') {
      f['index-pk-name'].value = '';
    }
    f['index-pk-name'].dataset.mirrored = String(local);
    box.querySelector('.nonkey').hidden = f['index-projection'].value !== 'INCLUDE';
  }

  // Called when the table's partition key changes in the dialog.
  syncAll() {
    for (const box of this.list.querySelectorAll('fieldset.index')) this.sync(box);
  }

  // Adds the indexes to CreateTable request `body` (which already holds the
  // table's KeySchema and AttributeDefinitions). AttributeDefinitions get
  // every index key once; an attribute given two types is the form's mistake
  // and throws. `throughput` is set on each global index when given.
  addTo(body, throughput) {
    const types = new Map(body.AttributeDefinitions.map((d) => [d.AttributeName, { type: d.AttributeType, where: 'the table' }]));
    const define = (name, type, where) => {
      const seen = types.get(name);
      if (!seen) {
        types.set(name, { type, where });
        body.AttributeDefinitions.push({ AttributeName: name, AttributeType: type });
      } else if (seen.type !== type) {
        throw new Error(`Attribute ${name} is given two types: ${seen.type} (${seen.where}) and ${type} (${where}); a key attribute has one type`);
      }
    };
    const lsis = [];
    const gsis = [];
    for (const box of this.list.querySelectorAll('fieldset.index')) {
      this.sync(box);
      const f = box.elements;
      const name = f['index-name'].value.trim();
      const where = `index ${name}`;
      const pk = f['index-pk-name'].value.trim();
      const sk = f['index-sk-name'].value.trim();
      define(pk, f['index-pk-type'].value, where);
      const keySchema = [{ AttributeName: pk, KeyType: 'HASH' }];
      if (sk) {
        define(sk, f['index-sk-type'].value, where);
        keySchema.push({ AttributeName: sk, KeyType: 'RANGE' });
      }
      const projection = { ProjectionType: f['index-projection'].value };
      if (projection.ProjectionType === 'INCLUDE') {
        const nonKey = f['index-nonkey'].value.split(',').map((s) => s.trim()).filter(Boolean);
        if (nonKey.length) projection.NonKeyAttributes = nonKey;  // none: DynamoDB says what is missing
      }
      const index = { IndexName: name, KeySchema: keySchema, Projection: projection };
      if (f['index-kind'].value === 'local') {
        lsis.push(index);
      } else {
        if (throughput) index.ProvisionedThroughput = { ...throughput };
        gsis.push(index);
      }
    }
    if (lsis.length) body.LocalSecondaryIndexes = lsis;
    if (gsis.length) body.GlobalSecondaryIndexes = gsis;
  }
}
