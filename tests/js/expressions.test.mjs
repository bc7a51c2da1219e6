// Integration tests with the AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb
// and its DocumentClient, @aws-sdk/lib-dynamodb) against the real binary: the
// points of issue 3 in a smaller form than tests/integration/test_expressions.py.
//
// One -inMemory server on a free port (-port 0; the port is read from the
// "listening on" line, then GET / is polled) serves every test of this file;
// the last test stops it with SIGTERM and expects exit code 0.
//
// The SDK v3 does not check DynamoDB's x-amz-crc32 header by itself (v2 did),
// so a middleware of ours checks it on every response before the SDK parses it.
//
// Environment: DDB_LOCAL (the binary; default ./ddb-local at the repo root).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchGetItemCommand, BatchWriteItemCommand, ConditionalCheckFailedException, CreateTableCommand,
  DeleteItemCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand,
  ScanCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, NumberValue, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.DDB_LOCAL || join(repo, 'ddb-local');
const kStartMs = 10000;      // until the "listening on" line
const kReadyMs = 10000;      // until GET / answers 200
const kStopMs = 10000;       // from SIGTERM to exit
const kRequestMs = 10000;    // any one request
const kBatchRoundsMax = 20;  // BatchGetItem / BatchWriteItem retries of unprocessed entries

const TABLE = 'js_expressions';
const BIG = '12345678901234567890123456789012345678';  // 38 digits
const CCF_MESSAGE = 'The conditional request failed';

let server;       // { proc, base, stderr() }
let ddb;          // DynamoDBClient
let doc;          // DynamoDBDocumentClient over ddb
const crc = { checked: 0, mismatches: [] };

// ------------------------------------------------------------------ server

function startServer() {
  const proc = spawn(binary, ['-inMemory', '-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let out = '';
  proc.stderr.on('data', (chunk) => { log += chunk; });
  const listening = new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`ddb-local did not start in ${kStartMs} ms: ${log}`)), kStartMs);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ddb-local exited with ${code}: ${log}`)); });
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /^ddb-local listening on (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart(m[1]);
      }
    });
  });
  return listening.then(async (base) => {
    await waitReady(base);
    return { proc, base, stderr: () => log };
  });
}

// Polls GET / until it answers 200; bounded by kReadyMs.
async function waitReady(base) {
  const deadline = Date.now() + kReadyMs;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(`${base}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) throw new Error(`ddb-local not ready within ${kReadyMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// SIGTERM; resolves to the exit code (null: killed after kStopMs).
function stopServer(proc) {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), kStopMs);
    proc.once('exit', (code) => { clearTimeout(timer); resolveStop(code); });
    proc.kill('SIGTERM');
  });
}

// ------------------------------------------------------------------ clients

// CRC-32 (IEEE), as DynamoDB computes x-amz-crc32 over the response body.
const kCrcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = kCrcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Inside the SDK's deserializer: reads the raw body, checks x-amz-crc32 and
// hands the same bytes on to the SDK.
function crc32Middleware(next) {
  return async (args) => {
    const result = await next(args);
    const res = result.response;
    const chunks = [];
    for await (const chunk of res.body) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const header = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'x-amz-crc32');
    const want = crc32(body);
    if (!header || Number(header[1]) !== want) {
      crc.mismatches.push({ header: header && header[1], want, body: body.toString('utf8', 0, 200) });
    }
    crc.checked++;
    res.body = body;
    return result;
  };
}

function makeClients(base) {
  const client = new DynamoDBClient({
    endpoint: base,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDJSSDKTEST', secretAccessKey: 'dummy-secret-key' },
    maxAttempts: 1,  // an error must come from the server, not be retried away
    requestHandler: { requestTimeout: kRequestMs, connectionTimeout: kRequestMs },
  });
  client.middlewareStack.add(crc32Middleware, { step: 'deserialize', name: 'ddbLocalCrc32', priority: 'low' });
  const docClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: false },
    unmarshallOptions: { wrapNumbers: true },  // numbers as NumberValue: every digit kept
  });
  return { client, docClient };
}

// ------------------------------------------------------------------ helpers

const S = (s) => ({ S: s });
const N = (n) => ({ N: String(n) });
const key = (pk, sk = 0) => ({ pk: S(pk), sk: N(sk) });

async function stored(k) {
  const out = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: k, ConsistentRead: true }));
  return out.Item;
}

// Sets compare as sets: sort their members.
function norm(av) {
  if (Array.isArray(av)) return av.map(norm);
  if (av === null || typeof av !== 'object') return av;
  const out = {};
  for (const [k, v] of Object.entries(av)) {
    if ((k === 'SS' || k === 'NS') && Array.isArray(v)) out[k] = [...v].sort();
    else out[k] = norm(v);
  }
  return out;
}

// Sends cmd, which must fail with error `name` and exactly `message`; the
// item `k` must be unchanged afterwards. Returns the error.
async function rejects(cmd, name, message, k) {
  const before = k ? await stored(k) : undefined;
  let err;
  try {
    await ddb.send(cmd);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${name}, got success`);
  assert.equal(err.name, name, err.message);
  assert.equal(err.message, message);
  assert.equal(err.$metadata.httpStatusCode, 400);
  if (k) assert.deepEqual(norm(await stored(k)), norm(before), 'a rejected request changed the item');
  return err;
}

// ------------------------------------------------------------------ tests

before(async () => {
  server = await startServer();
  ({ client: ddb, docClient: doc } = makeClients(server.base));
});

after(async () => {
  if (ddb) ddb.destroy();
  if (server && server.proc.exitCode === null) server.proc.kill('SIGKILL');  // only if the last test did not stop it
});

test('CreateTable, then ACTIVE', async () => {
  const out = await ddb.send(new CreateTableCommand({
    TableName: TABLE,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  assert.equal(out.TableDescription.TableName, TABLE);
  const deadline = Date.now() + 10000;
  for (;;) {
    const d = await ddb.send(new DescribeTableCommand({ TableName: TABLE }));
    if (d.Table.TableStatus === 'ACTIVE') break;
    assert.ok(Date.now() < deadline, `table not ACTIVE: ${d.Table.TableStatus}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

test('a conditional put that fails: ConditionalCheckFailedException, item unchanged', async () => {
  const k = key('ccf');
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...k, v: S('first') } }));
  const err = await rejects(new PutItemCommand({
    TableName: TABLE, Item: { ...k, v: S('second') }, ConditionExpression: 'attribute_not_exists(pk)',
  }), 'ConditionalCheckFailedException', CCF_MESSAGE, k);
  assert.ok(err instanceof ConditionalCheckFailedException);
  assert.equal(err.Item, undefined);  // not asked for
  await rejects(new PutItemCommand({
    TableName: TABLE, Item: { ...k, v: S('second') }, ConditionExpression: 'v = :x OR size(v) > :n',
    ExpressionAttributeValues: { ':x': S('other'), ':n': N(5) },
  }), 'ConditionalCheckFailedException', CCF_MESSAGE, k);
  assert.deepEqual(await stored(k), { ...k, v: S('first') });
  // A condition that holds.
  await ddb.send(new PutItemCommand({
    TableName: TABLE, Item: { ...k, v: S('second') }, ConditionExpression: 'v = :x AND attribute_type(v, :t)',
    ExpressionAttributeValues: { ':x': S('first'), ':t': S('S') },
  }));
  assert.deepEqual(await stored(k), { ...k, v: S('second') });
});

test('ReturnValuesOnConditionCheckFailure ALL_OLD puts the item in the error', async () => {
  const k = key('rvoccf');
  const item = { ...k, s: S('dog'), n: N(1) };
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: item }));
  const cond = { ConditionExpression: 's = :v', ExpressionAttributeValues: { ':v': S('rat') } };
  const commands = [
    new PutItemCommand({
      TableName: TABLE, Item: { ...k, s: S('cow') }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ...cond,
    }),
    new UpdateItemCommand({
      TableName: TABLE, Key: k, UpdateExpression: 'SET s = :w', ConditionExpression: 's = :v',
      ExpressionAttributeValues: { ':v': S('rat'), ':w': S('cow') }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
    new DeleteItemCommand({ TableName: TABLE, Key: k, ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ...cond }),
  ];
  for (const cmd of commands) {
    const err = await rejects(cmd, 'ConditionalCheckFailedException', CCF_MESSAGE, k);
    assert.deepEqual(err.Item, item);
  }
  // NONE: no Item.
  const err = await rejects(new DeleteItemCommand({
    TableName: TABLE, Key: k, ReturnValuesOnConditionCheckFailure: 'NONE', ...cond,
  }), 'ConditionalCheckFailedException', CCF_MESSAGE, k);
  assert.equal(err.Item, undefined);
});

test('UpdateItem: SET, REMOVE, ADD, DELETE with ReturnValues ALL_NEW and UPDATED_OLD', async () => {
  const k = key('update');
  await ddb.send(new PutItemCommand({
    TableName: TABLE,
    Item: {
      ...k, n: N(5), gone: S('x'), tags: { SS: ['a', 'b'] }, labels: { SS: ['x', 'y'] },
      m: { M: { a: { M: { b: N(1) } }, l: { L: [N(1), N(2), N(3)] } } },
    },
  }));
  // m.l and m.l[5] both set: DynamoDB rejects the overlap, and nothing changes.
  await rejects(new UpdateItemCommand({
    TableName: TABLE, Key: k, ReturnValues: 'ALL_NEW',
    UpdateExpression: 'SET m.l[5] = :v, m.l = list_append(:head, m.l) ADD visits :one',
    ExpressionAttributeValues: { ':one': N(1), ':v': S('deep'), ':head': { L: [N(0)] } },
  }), 'ValidationException', 'Invalid UpdateExpression: Two document paths overlap with each other; must remove ' +
    'or rewrite one of these paths; path one: [m, l, [5]], path two: [m, l]', k);

  let out = await ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key: k, ReturnValues: 'ALL_NEW',
    UpdateExpression: 'SET n = n + :one, m.a.b = :v, m.l[5] = :v, created = if_not_exists(created, :now) ' +
      'REMOVE gone, m.l[0] ADD visits :one, tags :more DELETE labels :less',
    ExpressionAttributeValues: {
      ':one': N(1), ':v': S('deep'), ':now': N(1700000000), ':more': { SS: ['c'] }, ':less': { SS: ['x', 'zz'] },
    },
  }));
  const after1 = {
    ...k, n: N(6), created: N(1700000000), visits: N(1), tags: { SS: ['a', 'b', 'c'] }, labels: { SS: ['y'] },
    m: { M: { a: { M: { b: S('deep') } }, l: { L: [N(2), N(3), S('deep')] } } },
  };
  assert.deepEqual(norm(out.Attributes), norm(after1));
  assert.deepEqual(norm(await stored(k)), norm(after1));

  out = await ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key: k, ReturnValues: 'UPDATED_OLD',
    UpdateExpression: 'SET n = :ten - n, m.l = list_append(m.l, :tail), fresh = :v REMOVE created',
    ExpressionAttributeValues: { ':ten': N(10), ':tail': { L: [N(9)] }, ':v': S('new') },
  }));
  assert.deepEqual(out.Attributes, {
    n: N(6), m: { M: { l: { L: [N(2), N(3), S('deep')] } } }, created: N(1700000000),
  });
  const stored2 = await stored(k);
  assert.deepEqual(stored2.n, N(4));
  assert.deepEqual(stored2.m.M.l, { L: [N(2), N(3), S('deep'), N(9)] });
  assert.equal(stored2.created, undefined);
  assert.deepEqual(stored2.fresh, S('new'));
});

test('DynamoDB validation messages reach the SDK intact', async () => {
  const k = key('errors');
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...k, a: N(1) } }));
  const V = 'ValidationException';
  await rejects(new UpdateItemCommand({
    TableName: TABLE, Key: k, UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': N(2), ':w': N(3) },
  }), V, 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}', k);
  await rejects(new UpdateItemCommand({
    TableName: TABLE, Key: k, UpdateExpression: 'SET name = :v', ExpressionAttributeValues: { ':v': N(2) },
  }), V, 'Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name', k);
  await rejects(new UpdateItemCommand({
    TableName: TABLE, Key: k, UpdateExpression: 'SET a = :v +', ExpressionAttributeValues: { ':v': N(2) },
  }), V, 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "+"', k);
  await rejects(new UpdateItemCommand({
    TableName: TABLE, Key: k, UpdateExpression: 'SET sk = :v', ExpressionAttributeValues: { ':v': N(2) },
  }), V, 'One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key', k);
  await rejects(new UpdateItemCommand({
    TableName: TABLE, Key: k, UpdateExpression: 'SET a = a + :v', ExpressionAttributeValues: { ':v': S('x') },
  }), V, 'Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, ' +
    'operand type: S', k);
  await rejects(new PutItemCommand({
    TableName: TABLE, Item: { ...k, a: N(2) }, ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': N(1) },
    Expected: { a: { Value: N(1) } },
  }), V, 'Can not use both expression and non-expression parameters in the same request: ' +
    'Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}', k);
});

test('38-digit numbers: low-level round trip, exact arithmetic, DocumentClient NumberValue, overflow', async () => {
  const k = key('numbers');
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...k, big: N(BIG) } }));
  assert.deepEqual((await stored(k)).big, N(BIG));
  const out = await ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key: k, UpdateExpression: 'SET big = big + :one, small = :a - :b', ReturnValues: 'UPDATED_NEW',
    ExpressionAttributeValues: { ':one': N(1), ':a': N('0.3'), ':b': N('0.1') },
  }));
  assert.deepEqual(out.Attributes, { big: N('12345678901234567890123456789012345679'), small: N('0.2') });
  await rejects(new UpdateItemCommand({
    TableName: TABLE, Key: k, UpdateExpression: 'SET big = :a + :b',
    ExpressionAttributeValues: { ':a': N('9e125'), ':b': N('9e125') },
  }), 'ValidationException',
  'Number overflow. Attempting to store a number with magnitude larger than supported range', k);

  // The DocumentClient: NumberValue in, NumberValue out, every digit kept.
  const dk = { pk: 'numbers-doc', sk: NumberValue.from('0') };
  await doc.send(new PutCommand({
    TableName: TABLE, Item: { ...dk, big: NumberValue.from(BIG), list: [NumberValue.from('-1E-130')] },
  }));
  const got = await doc.send(new GetCommand({ TableName: TABLE, Key: dk, ConsistentRead: true }));
  assert.ok(got.Item.big instanceof NumberValue);
  assert.equal(got.Item.big.toString(), BIG);
  assert.equal(got.Item.pk, 'numbers-doc');
  assert.equal(Number(got.Item.list[0].toString()), -1e-130);
  const upd = await doc.send(new UpdateCommand({
    TableName: TABLE, Key: dk, UpdateExpression: 'ADD big :inc',
    ExpressionAttributeValues: { ':inc': NumberValue.from('-12345678901234567890123456789012345677') },
    ReturnValues: 'UPDATED_NEW',
  }));
  assert.equal(upd.Attributes.big.toString(), '1');
});

test('Query and Scan with filters and projections', async () => {
  const pk = 'query';
  for (let i = 0; i < 10; i++) {
    await ddb.send(new PutItemCommand({
      TableName: TABLE,
      Item: { ...key(pk, i), color: S(i % 2 ? 'red' : 'blue'), n: N(i * 10), m: { M: { x: N(i), y: S('y') } } },
    }));
  }
  const q = await ddb.send(new QueryCommand({
    TableName: TABLE, ConsistentRead: true,
    KeyConditionExpression: 'pk = :p AND sk BETWEEN :lo AND :hi',
    FilterExpression: 'color = :c AND n >= :min',
    ProjectionExpression: 'sk, m.x, #c',
    ExpressionAttributeNames: { '#c': 'color' },
    ExpressionAttributeValues: { ':p': S(pk), ':lo': N(2), ':hi': N(8), ':c': S('red'), ':min': N(40) },
  }));
  assert.equal(q.ScannedCount, 7);  // sk 2..8 read, then filtered
  assert.equal(q.Count, 2);
  assert.deepEqual(q.Items, [  // 3 is red but below :min
    { sk: N(5), m: { M: { x: N(5) } }, color: S('red') },
    { sk: N(7), m: { M: { x: N(7) } }, color: S('red') },
  ]);

  const desc = await ddb.send(new QueryCommand({
    TableName: TABLE, ConsistentRead: true, KeyConditionExpression: 'pk = :p AND sk < :hi', ScanIndexForward: false,
    ExpressionAttributeValues: { ':p': S(pk), ':hi': N(3) }, ProjectionExpression: 'sk',
  }));
  assert.deepEqual(desc.Items, [{ sk: N(2) }, { sk: N(1) }, { sk: N(0) }]);

  const s = await ddb.send(new ScanCommand({
    TableName: TABLE, ConsistentRead: true,
    FilterExpression: 'pk = :p AND contains(#c, :e) AND size(m) = :two AND NOT n IN (:zero, :ninety)',
    ProjectionExpression: 'sk',
    ExpressionAttributeNames: { '#c': 'color' },
    ExpressionAttributeValues: { ':p': S(pk), ':e': S('lu'), ':two': N(2), ':zero': N(0), ':ninety': N(90) },
  }));
  assert.deepEqual(s.Items.map((it) => Number(it.sk.N)).sort((a, b) => a - b), [2, 4, 6, 8]);
});

test('BatchWriteItem and BatchGetItem', async () => {
  const keys = Array.from({ length: 25 }, (_, i) => key('batch', i));
  let requests = { [TABLE]: keys.map((k) => ({ PutRequest: { Item: { ...k, v: N(Number(k.sk.N) * 2) } } })) };
  for (let round = 0; Object.keys(requests).length > 0; round++) {
    assert.ok(round < kBatchRoundsMax, 'BatchWriteItem left items unprocessed');
    const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: requests }));
    requests = out.UnprocessedItems || {};
  }
  // Delete two, through a batch too.
  const del = await ddb.send(new BatchWriteItemCommand({
    RequestItems: { [TABLE]: [{ DeleteRequest: { Key: keys[0] } }, { DeleteRequest: { Key: keys[1] } }] },
  }));
  assert.deepEqual(del.UnprocessedItems, {});

  const got = [];
  let pending = { [TABLE]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'sk, v' } };
  for (let round = 0; Object.keys(pending).length > 0; round++) {
    assert.ok(round < kBatchRoundsMax, 'BatchGetItem left keys unprocessed');
    const out = await ddb.send(new BatchGetItemCommand({ RequestItems: pending, ReturnConsumedCapacity: 'TOTAL' }));
    got.push(...out.Responses[TABLE]);
    assert.equal(out.ConsumedCapacity[0].TableName, TABLE);
    pending = out.UnprocessedKeys || {};
  }
  got.sort((a, b) => Number(a.sk.N) - Number(b.sk.N));
  assert.deepEqual(got, keys.slice(2).map((k) => ({ sk: k.sk, v: N(Number(k.sk.N) * 2) })));
});

test('every response carried a correct x-amz-crc32', () => {
  assert.ok(crc.checked > 20, `only ${crc.checked} responses checked`);
  assert.deepEqual(crc.mismatches, []);
});

test('SIGTERM stops the server with exit code 0', async () => {
  ddb.destroy();  // no idle keep-alive connection left open
  const code = await stopServer(server.proc);
  assert.equal(code, 0, `ddb-local exited with ${code} after SIGTERM; stderr:\n${server.stderr().slice(-2000)}`);
});
