// The items of one table: a scan or query form (the table or one of its
// secondary indexes, key condition, filter, direction, page size), the page
// of items as a grid whose columns are the union of the attribute names,
// paging by LastEvaluatedKey, selection with batch delete, export and import.
// An index row holds only what the index projects; opening one reads the
// whole item from the table (GetItem by its primary key).

import { dynamo, errorText } from './api.js';
import { h, confirmBox, download, notify } from './dom.js';
import { checkItem, columnsOf, keyOf, renderValue, typeOf } from './ddbjson.js';
import { openEditor } from './editor.js';
import { indexesOf, projectionText } from './indexes.js';
import { deleteItems, exportLines, importLines } from './transfer.js';

const kSortOps = ['=', '<', '<=', '>', '>=', 'BETWEEN', 'begins_with'];
const kDefaultPageSize = 50;

function parseJsonField(text, what) {
  if (!text.trim()) return {};
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${e.message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} must be a JSON object`);
  return v;
}

export class ItemBrowser {
  constructor(container, table) {
    this.table = table;
    this.indexes = indexesOf(table);
    this.request = null;      // {op, body, index} of the last run, without ExclusiveStartKey
    this.pages = [undefined]; // ExclusiveStartKey of each page seen
    this.page = 0;
    this.items = [];
    this.selected = new Set(); // key texts
    this.done = 0;             // progress of the running batch
    container.replaceChildren(this.buildForm(), this.buildToolbar(), this.grid = h('div', { class: 'items' }));
  }

  typeOf(name) {
    return this.table.AttributeDefinitions.find((d) => d.AttributeName === name).AttributeType;
  }

  keyText(item) {
    return JSON.stringify(keyOf(item, this.table.KeySchema));
  }

  // The index chosen in the form, or null for the table.
  index() {
    return this.indexes.find((i) => i.name === this.indexChoice.value) || null;
  }

  // The key schema a query of the chosen source takes.
  sourceKeys() {
    const index = this.index();
    if (index) return { hashKey: index.hashKey, rangeKey: index.rangeKey };
    const range = this.table.KeySchema.find((k) => k.KeyType === 'RANGE');
    return { hashKey: this.table.KeySchema.find((k) => k.KeyType === 'HASH').AttributeName, rangeKey: range ? range.AttributeName : null };
  }

  indexLabel(index) {
    const keys = [index.hashKey, index.rangeKey].filter(Boolean).join(', ');
    const status = index.global && index.status !== 'ACTIVE' ? `, ${index.status}` : '';
    return `${index.name} (${index.global ? 'global' : 'local'}: ${keys}; ${projectionText(index)}${status})`;
  }

  // A newer DescribeTable of the same table (an index's status changed).
  updateIndexes(table) {
    const fresh = indexesOf(table);
    for (const option of this.indexChoice.options) {
      const index = fresh.find((i) => i.name === option.value);
      if (index) option.textContent = this.indexLabel(index);
    }
    this.indexes = this.indexes.map((i) => fresh.find((f) => f.name === i.name) || i);
  }

  buildForm() {
    const radio = (value) => h('label', { class: 'seg' },
      h('input', { type: 'radio', name: 'mode', value, checked: value === 'Scan', onChange: () => this.syncForm() }), value);
    const tableKeys = this.table.KeySchema.map((k) => k.AttributeName).join(', ');
    this.indexChoice = h('select', { name: 'index', 'aria-label': 'table or index', onChange: () => this.syncForm() },
      h('option', { value: '' }, `table (${tableKeys})`),
      this.indexes.map((i) => h('option', { value: i.name }, this.indexLabel(i))));
    this.hashName = h('code');
    this.rangeName = h('code');
    this.hashValue = h('input', { name: 'hash', size: 18 });
    this.sortOp = h('select', { name: 'sortOp', onChange: () => this.syncForm() },
      h('option', { value: '' }, 'any'), kSortOps.map((op) => h('option', { value: op }, op)));
    this.sortV1 = h('input', { name: 'sortV1', size: 14 });
    this.sortV2 = h('input', { name: 'sortV2', placeholder: 'and', size: 14 });
    this.descending = h('input', { type: 'checkbox', name: 'descending' });
    this.filter = h('input', { name: 'filter', class: 'wide', placeholder: 'e.g. #c > :min AND attribute_exists(tags)' });
    this.names = h('input', { name: 'names', class: 'wide', placeholder: '{"#c": "count"}' });
    this.values = h('input', { name: 'values', class: 'wide', placeholder: '{":min": {"N": "10"}}' });
    this.consistent = h('input', { type: 'checkbox', name: 'consistent', checked: true,
      onChange: () => { this.consistentWanted = this.consistent.checked; } });
    this.consistentWanted = true;  // the box as the user left it, for when it is enabled again
    this.pageSize = h('input', { name: 'limit', type: 'number', min: 1, max: 1000, value: String(kDefaultPageSize), size: 5 });
    this.form = h('form', { class: 'query', onSubmit: (e) => { e.preventDefault(); this.run(); } },
      h('div', { class: 'row' }, h('span', { class: 'segs' }, radio('Scan'), radio('Query')),
        this.indexes.length ? h('label', {}, 'from ', this.indexChoice) : null,
        h('label', {}, 'page size ', this.pageSize),
        this.consistentLabel = h('label', {}, this.consistent, ' strongly consistent'),
        h('button', { class: 'primary', type: 'submit', name: 'run' }, 'Run')),
      this.queryRow = h('div', { class: 'row' },
        h('label', {}, this.hashName, ' = ', this.hashValue),
        this.sortControls = h('span', { class: 'sort' },
          h('label', {}, this.rangeName, ' ', this.sortOp, ' '), this.sortV1, ' ', this.sortV2),
        h('label', {}, this.descending, ' descending (ScanIndexForward false)')),
      h('div', { class: 'row' },
        h('label', { class: 'grow' }, 'FilterExpression ', this.filter)),
      h('div', { class: 'row' },
        h('label', { class: 'grow' }, 'ExpressionAttributeNames ', this.names),
        h('label', { class: 'grow' }, 'ExpressionAttributeValues ', this.values)));
    this.syncForm();
    return this.form;
  }

  mode() {
    return this.form.elements.mode.value;
  }

  // Brings the form in line with the chosen mode and source: the key
  // condition takes the keys of the table or index; a global index is never
  // strongly consistent (DynamoDB refuses ConsistentRead on one).
  syncForm() {
    const { hashKey, rangeKey } = this.sourceKeys();
    const index = this.index();
    this.queryRow.hidden = this.mode() !== 'Query';
    this.hashName.textContent = hashKey;
    this.hashValue.placeholder = `${this.typeOf(hashKey)} value`;
    this.sortControls.hidden = !rangeKey;
    this.rangeName.textContent = rangeKey || '';
    this.sortV1.placeholder = rangeKey ? `${this.typeOf(rangeKey)} value` : '';
    this.sortV1.hidden = !this.sortOp.value;
    this.sortV2.hidden = this.sortOp.value !== 'BETWEEN';
    const global = Boolean(index && index.global);
    this.consistent.disabled = global;
    this.consistent.checked = !global && this.consistentWanted;
    this.consistentLabel.title = global
      ? 'a global secondary index is eventually consistent: DynamoDB refuses ConsistentRead on it'
      : 'read from the leader, so that your own writes show at once';
  }

  buildToolbar() {
    this.deleteButton = h('button', { class: 'danger', name: 'delete-selected', disabled: true, onClick: () => this.deleteSelected() }, 'Delete selected');
    this.fileInput = h('input', { type: 'file', accept: '.json,.jsonl,.ndjson,application/json', hidden: true,
      name: 'import-file', onChange: () => this.importFile() });
    this.progress = h('progress', { hidden: true });
    this.progressText = h('span', { class: 'progress-text' });
    this.pageInfo = h('span', { class: 'page-info' });
    this.firstButton = h('button', { name: 'first-page', disabled: true, onClick: () => this.load(0) }, 'First page');
    this.prevButton = h('button', { name: 'prev-page', disabled: true, onClick: () => this.load(this.page - 1) }, '◀ Previous');
    this.nextButton = h('button', { name: 'next-page', disabled: true, onClick: () => this.load(this.page + 1) }, 'Next page ▶');
    return h('div', { class: 'toolbar' },
      h('button', { name: 'new-item', onClick: () => openEditor(this.table, null, () => this.reload()) }, 'New item'),
      this.deleteButton,
      h('button', { name: 'export', title: 'every page of the current scan or query, as DynamoDB JSON lines', onClick: () => this.exportAll() }, 'Export'),
      h('button', { name: 'import', title: 'a DynamoDB JSON lines file: one {"Item": {...}} per line', onClick: () => this.fileInput.click() }, 'Import…'),
      this.fileInput, this.progress, this.progressText,
      h('span', { class: 'spacer' }),
      this.pageInfo, this.firstButton, this.prevButton, this.nextButton);
  }

  // The request the form describes; throws an Error for a form mistake.
  buildRequest() {
    const body = { TableName: this.table.TableName };
    const index = this.index();
    if (index) body.IndexName = index.name;
    const { hashKey, rangeKey } = this.sourceKeys();
    const names = {};
    const values = {};
    const op = this.mode();
    if (op === 'Query') {
      if (!this.hashValue.value) throw new Error(`A query needs a value for the partition key ${hashKey}`);
      names['#pk'] = hashKey;
      values[':pk'] = { [this.typeOf(hashKey)]: this.hashValue.value };
      let condition = '#pk = :pk';
      const sortOp = rangeKey ? this.sortOp.value : '';
      if (sortOp) {
        const type = this.typeOf(rangeKey);
        names['#sk'] = rangeKey;
        values[':sk1'] = { [type]: this.sortV1.value };
        if (sortOp === 'BETWEEN') {
          values[':sk2'] = { [type]: this.sortV2.value };
          condition += ' AND #sk BETWEEN :sk1 AND :sk2';
        } else if (sortOp === 'begins_with') {
          condition += ' AND begins_with(#sk, :sk1)';
        } else {
          condition += ` AND #sk ${sortOp} :sk1`;
        }
      }
      body.KeyConditionExpression = condition;
      if (this.descending.checked) body.ScanIndexForward = false;
    }
    if (this.filter.value.trim()) body.FilterExpression = this.filter.value.trim();
    const userNames = parseJsonField(this.names.value, 'ExpressionAttributeNames');
    const userValues = parseJsonField(this.values.value, 'ExpressionAttributeValues');
    const valuesError = checkItem(userValues);
    if (valuesError) throw new Error(`ExpressionAttributeValues: ${valuesError}`);
    for (const [into, from] of [[names, userNames], [values, userValues]]) {
      for (const [k, v] of Object.entries(from)) {
        if (k in into) throw new Error(`${k} is used by the key condition the form builds; pick another placeholder`);
        into[k] = v;
      }
    }
    if (Object.keys(names).length) body.ExpressionAttributeNames = names;
    if (Object.keys(values).length) body.ExpressionAttributeValues = values;
    if (this.consistent.checked && !this.consistent.disabled) body.ConsistentRead = true;
    const limit = Number.parseInt(this.pageSize.value, 10);
    if (limit > 0) body.Limit = limit;
    return { op, body, index };
  }

  async run() {
    try {
      this.request = this.buildRequest();
    } catch (e) {
      notify(e.message, 'error');
      return;
    }
    this.pages = [undefined];
    await this.load(0);
  }

  // Runs the current request again on the page shown (after a write).
  reload() {
    return this.request ? this.load(this.page) : this.run();
  }

  async load(page) {
    if (!this.request) return this.run();
    const body = { ...this.request.body };
    if (this.pages[page]) body.ExclusiveStartKey = this.pages[page];
    try {
      const out = await dynamo(this.request.op, body);
      this.items = out.Items || [];
      this.pages.length = page + 1;
      this.pages.push(out.LastEvaluatedKey);
      this.page = page;
      this.selected.clear();
      const { index } = this.request;
      this.pageInfo.textContent = `${this.request.op}${index ? ` index ${index.name}` : ''} · page ${page + 1} · ` +
        `${out.Count} items (${out.ScannedCount} scanned)${out.LastEvaluatedKey ? ' · more' : ''}`;
      this.pageInfo.title = index && index.projection !== 'ALL'
        ? `index ${index.name} projects ${projectionText(index)}: rows show those attributes; opening one reads the whole item from the table`
        : '';
      this.render();
    } catch (e) {
      notify(`${this.request.op}: ${errorText(e)}`, 'error');
    }
  }

  render() {
    this.firstButton.disabled = this.page === 0;
    this.prevButton.disabled = this.page === 0;
    this.nextButton.disabled = !this.pages[this.page + 1];
    this.updateSelection();
    if (this.items.length === 0) {
      this.grid.replaceChildren(h('p', { class: 'muted', text: 'No items on this page.' }));
      return;
    }
    // The keys of the index read first (tagged IPK, ISK), then the table's.
    const { index } = this.request || {};
    const keyRole = new Map();
    const tag = new Map();
    for (const k of index ? index.keySchema : []) {
      keyRole.set(k.AttributeName, `index ${index.name} ${k.KeyType === 'HASH' ? 'partition key' : 'sort key'}`);
      tag.set(k.AttributeName, k.KeyType === 'HASH' ? 'IPK' : 'ISK');
    }
    for (const k of this.table.KeySchema) {
      if (keyRole.has(k.AttributeName)) continue;
      keyRole.set(k.AttributeName, k.KeyType === 'HASH' ? 'partition key' : 'sort key');
      tag.set(k.AttributeName, k.KeyType === 'HASH' ? 'PK' : 'SK');
    }
    const columns = columnsOf(this.items, [...keyRole.keys()].map((AttributeName) => ({ AttributeName })));
    const all = h('input', { type: 'checkbox', title: 'select all on this page', onChange: () => {
      for (const item of this.items) {
        if (all.checked) this.selected.add(this.keyText(item)); else this.selected.delete(this.keyText(item));
      }
      for (const box of this.grid.querySelectorAll('tbody input[type=checkbox]')) box.checked = all.checked;
      this.updateSelection();
    } });
    const rows = this.items.map((item) => {
      const key = this.keyText(item);
      const box = h('input', { type: 'checkbox', 'aria-label': 'select', onChange: () => {
        if (box.checked) this.selected.add(key); else this.selected.delete(key);
        this.updateSelection();
      } });
      return h('tr', { 'data-key': key, title: 'open the item', onClick: (e) => {
        if (e.target.closest('td.select')) return;
        this.open(item, index);
      } },
      h('td', { class: 'select' }, box),
      columns.map((c) => (item[c] === undefined ? h('td', { class: 'absent' }) : h('td', { 'data-attr': c, class: `t-${typeOf(item[c])}` }, renderValue(item[c])))));
    });
    this.grid.replaceChildren(h('table', { class: 'grid data' },
      h('thead', {}, h('tr', {}, h('th', { class: 'select' }, all),
        columns.map((c) => h('th', { class: keyRole.has(c) ? 'key' : '', title: keyRole.get(c) || '' }, c,
          keyRole.has(c) ? h('span', { class: 'tag', text: tag.get(c) }) : null)))),
      h('tbody', {}, rows)));
  }

  // Opens a row in the editor. A row read from an index that does not
  // project every attribute is only part of the item: the whole item is read
  // from the table by its primary key first.
  async open(item, index) {
    if (!index || index.projection === 'ALL') {
      openEditor(this.table, item, () => this.reload());
      return;
    }
    let out;
    try {
      out = await dynamo('GetItem', { TableName: this.table.TableName, Key: keyOf(item, this.table.KeySchema), ConsistentRead: true });
    } catch (e) {
      notify(`GetItem: ${errorText(e)}`, 'error');
      return;
    }
    if (!out.Item) {
      notify(`The item ${this.keyText(item)} is no longer in ${this.table.TableName}`, 'error');
      return;
    }
    openEditor(this.table, out.Item, () => this.reload());
  }

  updateSelection() {
    const n = this.selected.size;
    this.deleteButton.disabled = n === 0;
    this.deleteButton.textContent = n ? `Delete selected (${n})` : 'Delete selected';
  }

  showProgress(done, total, verb) {
    this.done = done;
    this.progress.hidden = false;
    this.progress.max = total || 1;
    this.progress.value = done;
    this.progressText.textContent = `${verb} ${done}${total ? ` / ${total}` : ''}`;
  }

  endProgress(text) {
    this.progress.hidden = true;
    this.progressText.textContent = text;
  }

  async deleteSelected() {
    const items = this.items.filter((item) => this.selected.has(this.keyText(item)));
    if (!items.length || !(await confirmBox(`Delete ${items.length} item${items.length > 1 ? 's' : ''} from ${this.table.TableName}?`, 'Delete'))) return;
    this.done = 0;
    try {
      await deleteItems(this.table, items, (done, total) => this.showProgress(done, total, 'deleted'));
      this.endProgress(`deleted ${items.length}`);
      notify(`Deleted ${items.length} items`, 'ok');
    } catch (e) {
      this.endProgress('');
      notify(`BatchWriteItem stopped after ${this.done} of ${items.length} deletes: ${errorText(e)}`, 'error');
    }
    await this.reload();
  }

  async exportAll() {
    const request = this.request || { op: 'Scan', body: { TableName: this.table.TableName } };
    try {
      const text = await exportLines(request, (n) => this.showProgress(n, 0, 'exported'));
      const count = text ? text.split('\n').length - 1 : 0;
      const suffix = `${request.index ? `-${request.index.name}` : ''}${request.op === 'Query' ? '-query' : ''}`;
      download(`${this.table.TableName}${suffix}.jsonl`, text);
      this.endProgress(`exported ${count} items`);
    } catch (e) {
      this.endProgress('');
      notify(`Export (${request.op}): ${errorText(e)}`, 'error');
    }
  }

  async importFile() {
    const file = this.fileInput.files[0];
    this.fileInput.value = '';
    if (!file) return;
    this.done = 0;
    try {
      const n = await importLines(this.table, await file.text(), file.name,
        (done, total) => this.showProgress(done, total, 'imported'));
      this.endProgress(`imported ${n} items`);
      notify(`Imported ${n} items from ${file.name}`, 'ok');
    } catch (e) {
      this.endProgress(`import stopped after ${this.done} items`);
      notify(`Import of ${file.name} stopped after ${this.done} items: ${errorText(e)}`, 'error');
    }
    await this.reload();
  }
}
