// DynamoDB JSON (the AttributeValue format) as the UI handles it. Values are
// never converted: numbers stay strings digit for digit, sets stay sets,
// binary stays base64. This module only checks, previews and picks keys.

import { h } from './dom.js';

const kTypes = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);
const kPreviewChars = 120;

export function typeOf(av) {
  return Object.keys(av)[0];
}

// Parses an item typed by the user. Returns {item} or {error}. JSON numbers
// are refused: a DynamoDB number is a string, and JSON.parse would round
// anything past 15-17 digits.
export function parseItem(text) {
  let item;
  try {
    item = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${e.message}` };
  }
  const error = checkItem(item);
  return error ? { error } : { item };
}

// Why `item` (parsed JSON) is not an item in DynamoDB JSON, or null.
export function checkItem(item) {
  if (!isPlainObject(item)) return 'An item is a JSON object: {"name": {"S": "value"}, …}';
  return checkMap(item, '');
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkMap(map, path) {
  for (const [name, av] of Object.entries(map)) {
    const error = checkValue(av, path ? `${path}.${name}` : name);
    if (error) return error;
  }
  return null;
}

function checkValue(av, path) {
  if (!isPlainObject(av) || Object.keys(av).length !== 1 || !kTypes.has(typeOf(av))) {
    return `${path}: an attribute value is an object with one type key (S, N, B, BOOL, NULL, M, L, SS, NS, BS), e.g. {"S": "text"}`;
  }
  const type = typeOf(av);
  const v = av[type];
  if (type === 'M') return isPlainObject(v) ? checkMap(v, path) : `${path}: M holds an object`;
  if (type === 'L') {
    if (!Array.isArray(v)) return `${path}: L holds an array`;
    for (let i = 0; i < v.length; i++) {
      const error = checkValue(v[i], `${path}[${i}]`);
      if (error) return error;
    }
    return null;
  }
  if (type === 'N' && typeof v === 'number') return `${path}: write numbers as strings, {"N": "${v}"}, so that no digit is lost`;
  if ((type === 'NS') && Array.isArray(v) && v.some((x) => typeof x === 'number')) {
    return `${path}: write the numbers of a number set as strings, {"NS": ["1", "2"]}`;
  }
  return null;
}

// An item as DynamoDB JSON for the editor: one attribute per line.
export function formatItem(item) {
  const lines = Object.entries(item).map(([name, av]) => `  ${JSON.stringify(name)}: ${JSON.stringify(av)}`);
  return lines.length ? `{\n${lines.join(',\n')}\n}` : '{}';
}

// A short text for an attribute value, as in a table cell.
function preview(av) {
  const type = typeOf(av);
  const v = av[type];
  switch (type) {
    case 'S': return v;
    case 'N': return v;
    case 'B': return v;
    case 'BOOL': return String(v);
    case 'NULL': return 'null';
    case 'SS': return `{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
    case 'NS': return `{${v.join(', ')}}`;
    case 'BS': return `{${v.join(', ')}}`;
    case 'M': return `{${Object.entries(v).map(([k, x]) => `${k}: ${nested(x)}`).join(', ')}}`;
    case 'L': return `[${v.map(nested).join(', ')}]`;
    default: return JSON.stringify(av);
  }
}

function nested(av) {
  return typeOf(av) === 'S' ? JSON.stringify(av.S) : preview(av);
}

// A table cell's content: the value with a type-dependent look, and its
// DynamoDB JSON as the tooltip.
export function renderValue(av) {
  const type = typeOf(av);
  let text = preview(av);
  if (text.length > kPreviewChars) text = `${text.slice(0, kPreviewChars)}…`;
  const showType = !['S', 'N', 'BOOL', 'NULL'].includes(type);
  return h('span', { class: `v v-${type}`, title: JSON.stringify(av), 'data-type': type },
    showType ? h('span', { class: 'tag', text: type }) : null, text);
}

// The key attributes of `item` under the table's KeySchema.
export function keyOf(item, keySchema) {
  const key = {};
  for (const k of keySchema) {
    if (item[k.AttributeName] !== undefined) key[k.AttributeName] = item[k.AttributeName];
  }
  return key;
}

// The attribute names of `items`: the key attributes first, the rest sorted.
export function columnsOf(items, keySchema) {
  const keys = keySchema.map((k) => k.AttributeName);
  const rest = new Set();
  for (const item of items) for (const name of Object.keys(item)) if (!keys.includes(name)) rest.add(name);
  return [...keys, ...[...rest].sort()];
}

// Splits write requests into BatchWriteItem chunks of at most 25, starting a
// new chunk rather than putting two requests for one key in the same one
// (DynamoDB refuses a batch with duplicate keys).
export function chunkRequests(requests, keyText, size = 25) {
  const chunks = [];
  let chunk = [];
  let keys = new Set();
  for (const r of requests) {
    const key = keyText(r);
    if (chunk.length === size || keys.has(key)) {
      chunks.push(chunk);
      chunk = [];
      keys = new Set();
    }
    chunk.push(r);
    keys.add(key);
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}
