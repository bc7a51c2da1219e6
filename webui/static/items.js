// The items of one table: a scan or query form (key condition, filter,
// direction, page size), the page of items as a grid whose columns are the
// union of the attribute names, paging by LastEvaluatedKey, selection with
// batch delete, export and import.

import { dynamo, errorText } from './api.js';
import { h, confirmBox, download, notify } from './dom.js';
import { checkItem, columnsOf, keyOf, renderValue, typeOf } from './ddbjson.js';
import { openEditor } from './editor.js';
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
    this.hashKey = table.KeySchema.find((k) => k.KeyType === 'HASH').AttributeName;
    const range = table.KeySchema.find((k) => k.KeyType === 'RANGE');
    this.rangeKey = range ? range.AttributeName : null;
    this.request = null;      // {op, body} of the last run, without ExclusiveStartKey
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

  buildForm() {
    const radio = (value) => h('label', { class: 'seg' },
      h('input', { type: 'radio', name: 'mode', value, checked: value === 'Scan', onChange: () => this.syncForm() }), value);
    this.hashValue = h('input', { name: 'hash', placeholder: `${this.typeOf(this.hashKey)} value`, size: 18 });
    this.sortOp = h('select', { name: 'sortOp', onChange: () => this.syncForm() },
      h('option', { value: '' }, 'any'), kSortOps.map((op) => h('option', { value: op }, op)));
    this.sortV1 = h('input', { name: 'sortV1', placeholder: this.rangeKey ? `${this.typeOf(this.rangeKey)} value` : '', size: 14 });
    this.sortV2 = h('input', { name: 'sortV2', placeholder: 'and', size: 14 });
    this.descending = h('input', { type: 'checkbox', name: 'descending' });
    this.filter = h('input', { name: 'filter', class: 'wide', placeholder: 'e.g. #c > :min AND attribute_exists(tags)' });
    this.names = h('input', { name: 'names', class: 'wide', placeholder: '{"#c": "count"}' });
    this.values = h('input', { name: 'values', class: 'wide', placeholder: '{":min": {"N": "10"}}' });
    this.consistent = h('input', { type: 'checkbox', name: 'consistent', checked: true });
    this.pageSize = h('input', { name: 'limit', type: 'number', min: 1, max: 1000, value: String(kDefaultPageSize), size: 5 });
    this.form = h('form', { class: 'query', onSubmit: (e) => { e.preventDefault(); this.run(); } },
      h('div', { class: 'row' }, h('span', { class: 'segs' }, radio('Scan'), radio('Query')),
        h('label', {}, 'page size ', this.pageSize),
        h('label', { title: 'read from the leader, so that your own writes show at once' }, this.consistent, ' strongly consistent'),
        h('button', { class: 'primary', type: 'submit', name: 'run' }, 'Run')),
      this.queryRow = h('div', { class: 'row' },
        h('label', {}, h('code', { text: this.hashKey }), ' = ', this.hashValue),
        this.rangeKey ? h('label', {}, h('code', { text: this.rangeKey }), ' ', this.sortOp, ' ') : null,
        this.rangeKey ? this.sortV1 : null, this.rangeKey ? this.sortV2 : null,
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

  syncForm() {
    this.queryRow.hidden = this.mode() !== 'Query';
    this.sortV1.hidden = !this.sortOp.value;
    this.sortV2.hidden = this.sortOp.value !== 'BETWEEN';
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
    const names = {};
    const values = {};
    const op = this.mode();
    if (op === 'Query') {
      if (!this.hashValue.value) throw new Error(`A query needs a value for the partition key ${this.hashKey}`);
      names['#pk'] = this.hashKey;
      values[':pk'] = { [this.typeOf(this.hashKey)]: this.hashValue.value };
      let condition = '#pk = :pk';
      const sortOp = this.rangeKey ? this.sortOp.value : '';
      if (sortOp) {
        const type = this.typeOf(this.rangeKey);
        names['#sk'] = this.rangeKey;
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
    if (this.consistent.checked) body.ConsistentRead = true;
    const limit = Number.parseInt(this.pageSize.value, 10);
    if (limit > 0) body.Limit = limit;
    return { op, body };
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
      this.pageInfo.textContent = `${this.request.op} · page ${page + 1} · ${out.Count} items (${out.ScannedCount} scanned)` +
        (out.LastEvaluatedKey ? ' · more' : '');
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
    const columns = columnsOf(this.items, this.table.KeySchema);
    const keyRole = new Map(this.table.KeySchema.map((k) => [k.AttributeName, k.KeyType === 'HASH' ? 'partition key' : 'sort key']));
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
        openEditor(this.table, item, () => this.reload());
      } },
      h('td', { class: 'select' }, box),
      columns.map((c) => (item[c] === undefined ? h('td', { class: 'absent' }) : h('td', { 'data-attr': c, class: `t-${typeOf(item[c])}` }, renderValue(item[c])))));
    });
    this.grid.replaceChildren(h('table', { class: 'grid data' },
      h('thead', {}, h('tr', {}, h('th', { class: 'select' }, all),
        columns.map((c) => h('th', { class: keyRole.has(c) ? 'key' : '', title: keyRole.get(c) || '' }, c,
          keyRole.has(c) ? h('span', { class: 'tag', text: keyRole.get(c) === 'partition key' ? 'PK' : 'SK' }) : null)))),
      h('tbody', {}, rows)));
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
      const suffix = request.op === 'Query' ? '-query' : '';
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
