// Bulk moves: BatchWriteItem in chunks of 25 with retries of UnprocessedItems,
// export of a scan or query as DynamoDB JSON lines (one {"Item": {...}} per
// line, the format of DynamoDB's export to S3), and import of such a file
// through POST /admin/import, the loader -seed uses (api/seed.h).

import { admin, clusterNamespace, dynamo, getNamespace } from './api.js';
import { sleep } from './dom.js';
import { chunkRequests, keyOf } from './ddbjson.js';

const kMaxRetries = 8;
const kMaxItems = 1000000;  // a bound on what one export or import holds in memory

function requestKey(request, keySchema) {
  const item = request.PutRequest ? request.PutRequest.Item : request.DeleteRequest.Key;
  return JSON.stringify(keyOf(item, keySchema));
}

// Writes `requests` (PutRequest / DeleteRequest) to `table`; onProgress(done,
// total) after each chunk.
export async function batchWrite(table, requests, onProgress = () => {}) {
  const chunks = chunkRequests(requests, (r) => requestKey(r, table.KeySchema));
  let done = 0;
  for (const chunk of chunks) {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > kMaxRetries) throw new Error(`${pending.length} writes still unprocessed after ${kMaxRetries} retries`);
      if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
      const out = await dynamo('BatchWriteItem', { RequestItems: { [table.TableName]: pending } });
      pending = (out.UnprocessedItems && out.UnprocessedItems[table.TableName]) || [];
    }
    done += chunk.length;
    onProgress(done, requests.length);
  }
}

export function deleteItems(table, items, onProgress) {
  return batchWrite(table, items.map((item) => ({ DeleteRequest: { Key: keyOf(item, table.KeySchema) } })), onProgress);
}

// Every page of request {op, body}, as DynamoDB JSON lines.
export async function exportLines(request, onProgress = () => {}) {
  const lines = [];
  let startKey;
  do {
    const body = { ...request.body };
    delete body.Limit;
    if (startKey) body.ExclusiveStartKey = startKey;
    const out = await dynamo(request.op, body);
    for (const item of out.Items) lines.push(JSON.stringify({ Item: item }));
    startKey = out.LastEvaluatedKey;
    onProgress(lines.length);
    if (lines.length > kMaxItems) throw new Error(`export stopped after ${kMaxItems} items`);
  } while (startKey);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const kImportChunkChars = 4 * 1024 * 1024;  // well under the 16 MB request limit

// Loads a DynamoDB JSON lines file into `table` with the server's loader, in
// chunks of whole lines; resolves to the number of items. An error names the
// file and line, as -seed does.
export async function importLines(table, text, fileName, onProgress = () => {}) {
  const lines = text.split('\n');
  const total = lines.filter((l) => l.trim()).length;
  let done = 0;
  for (let first = 0; first < lines.length;) {
    let end = first;
    let size = 0;
    while (end < lines.length && (end === first || size + lines[end].length < kImportChunkChars)) size += lines[end++].length + 1;
    const out = await admin('import', {
      namespace: clusterNamespace(getNamespace()), table: table.TableName, source: fileName,
      firstLine: first + 1, lines: lines.slice(first, end).join('\n'),
    });
    done += out.items;
    onProgress(done, total);
    first = end;
  }
  return done;
}
