// The item editor: one item as DynamoDB JSON in a textarea, saved with PutItem
// or deleted with DeleteItem. Errors (ours for malformed JSON, DynamoDB's for
// the rest) are shown inside the dialog.

import { dynamo, errorText } from './api.js';
import { h, confirmBox, notify } from './dom.js';
import { formatItem, keyOf, parseItem } from './ddbjson.js';

function template(table) {
  const types = new Map(table.AttributeDefinitions.map((d) => [d.AttributeName, d.AttributeType]));
  const item = {};
  for (const k of table.KeySchema) item[k.AttributeName] = { [types.get(k.AttributeName)]: '' };
  return item;
}

// Opens the editor on `item` (null for a new one) of `table` (a
// TableDescription); calls onChange() after a save or a delete.
export function openEditor(table, item, onChange) {
  const isNew = item === null;
  const originalKey = isNew ? null : JSON.stringify(keyOf(item, table.KeySchema));
  const text = h('textarea', { class: 'json', spellcheck: 'false', rows: 18, 'aria-label': 'item as DynamoDB JSON' });
  text.value = formatItem(isNew ? template(table) : item);
  const error = h('p', { class: 'error', role: 'alert' });
  const fail = (message) => { error.textContent = message; };

  const save = h('button', { class: 'primary', type: 'button', onClick: async () => {
    const parsed = parseItem(text.value);
    if (parsed.error) return fail(parsed.error);
    save.disabled = true;
    try {
      await dynamo('PutItem', { TableName: table.TableName, Item: parsed.item });
      const newKey = JSON.stringify(keyOf(parsed.item, table.KeySchema));
      notify(!isNew && newKey !== originalKey
        ? 'Saved as a new item (its key changed); the original item is unchanged' : 'Item saved', 'ok');
      dialog.close();
      onChange();
    } catch (e) {
      fail(errorText(e));
    } finally {
      save.disabled = false;
    }
  } }, 'Save (PutItem)');

  const remove = isNew ? null : h('button', { class: 'danger', type: 'button', onClick: async () => {
    if (!(await confirmBox('Delete this item?', 'Delete item'))) return;
    try {
      await dynamo('DeleteItem', { TableName: table.TableName, Key: keyOf(item, table.KeySchema) });
      notify('Item deleted', 'ok');
      dialog.close();
      onChange();
    } catch (e) {
      fail(errorText(e));
    }
  } }, 'Delete item');

  const dialog = h('dialog', { class: 'editor' },
    h('h3', { text: `${isNew ? 'New item in' : 'Item of'} ${table.TableName}` }),
    h('p', { class: 'hint', text: 'DynamoDB JSON: numbers are strings ({"N": "1.5"}), sets stay sets (SS, NS, BS), binary is base64.' }),
    text, error,
    h('div', { class: 'buttons' },
      remove, h('span', { class: 'spacer' }),
      h('button', { type: 'button', onClick: () => dialog.close() }, 'Cancel'), save));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  text.focus();
}
