// Secondary indexes through the AWS SDK for JavaScript v3: CreateTable with a
// local and a global index, Query on each (the global one eventually
// consistent), paging an index both ways, UpdateTable adding a global index
// to a populated table, and the SDK seeing DynamoDB's errors for reads the
// indexes refuse. One -inMemory server (harness.mjs) serves the file.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand, DescribeTableCommand, PutItemCommand, QueryCommand, UpdateItemCommand, UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { crc, makeClients, startServer, stopServer } from './harness.mjs';

const TABLE = 'js_indexes';
const kPollMs = 5000;  // the longest wait for a global index to catch up

let server;
let ddb;

const S = (s) => ({ S: s });
const N = (n) => ({ N: String(n) });

// Polls fn until check(result) holds, for at most kPollMs.
async function eventually(fn, check, what) {
  const deadline = Date.now() + kPollMs;
  for (;;) {
    const result = await fn();
    if (check(result)) return result;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${kPollMs} ms: ${JSON.stringify(result)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Every page of a query; Limit per page.
async function queryAll(params) {
  const items = [];
  let start;
  for (let pages = 0; pages < 1000; pages++) {
    const out = await ddb.send(new QueryCommand({ ...params, ExclusiveStartKey: start }));
    items.push(...out.Items);
    if (!out.LastEvaluatedKey) return items;
    start = out.LastEvaluatedKey;
  }
  throw new Error('too many pages');
}

const byStatus = (status, extra = {}) => queryAll({
  TableName: TABLE, IndexName: 'by_status', KeyConditionExpression: '#s = :s',
  ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S(status) }, ...extra,
});

before(async () => {
  server = await startServer();
  ({ client: ddb } = makeClients(server.base));
});

after(async () => {
  if (ddb) ddb.destroy();
  if (server && server.proc.exitCode === null) server.proc.kill('SIGKILL');
});

test('CreateTable with a local and a global index', async () => {
  await ddb.send(new CreateTableCommand({
    TableName: TABLE, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'rank', AttributeType: 'N' }, { AttributeName: 'status', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    LocalSecondaryIndexes: [{
      IndexName: 'by_rank', Projection: { ProjectionType: 'ALL' },
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'rank', KeyType: 'RANGE' }] }],
    GlobalSecondaryIndexes: [{
      IndexName: 'by_status', Projection: { ProjectionType: 'KEYS_ONLY' },
      KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'rank', KeyType: 'RANGE' }] }],
  }));
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: TABLE }));
  assert.equal(Table.LocalSecondaryIndexes[0].IndexName, 'by_rank');
  assert.equal(Table.GlobalSecondaryIndexes[0].IndexStatus, 'ACTIVE');
});

test('Query a local index in its sort order, and a global one once it caught up', async () => {
  for (let i = 0; i < 30; i++) {
    await ddb.send(new PutItemCommand({
      TableName: TABLE, Item: { pk: S('p'), sk: N(i), rank: N(30 - i), status: S(i % 2 ? 'odd' : 'even') } }));
  }
  const local = await queryAll({
    TableName: TABLE, IndexName: 'by_rank', KeyConditionExpression: 'pk = :p AND #r <= :r',
    ExpressionAttributeNames: { '#r': 'rank' }, ExpressionAttributeValues: { ':p': S('p'), ':r': N(5) },
    ConsistentRead: true });
  assert.deepEqual(local.map((x) => x.rank.N), ['1', '2', '3', '4', '5']);
  const odd = await eventually(() => byStatus('odd'), (r) => r.length === 15, 'by_status holds 15 odd items');
  assert.deepEqual(Object.keys(odd[0]).sort(), ['pk', 'rank', 'sk', 'status']);  // KEYS_ONLY
  const ranks = odd.map((x) => Number(x.rank.N));
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
  const backward = await byStatus('odd', { ScanIndexForward: false, Limit: 4 });
  assert.deepEqual(backward.map((x) => Number(x.rank.N)), [...ranks].reverse());
});

test('an update moves an item between global index keys', async () => {
  await ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key: { pk: S('p'), sk: N(1) }, UpdateExpression: 'SET #s = :s',
    ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('moved') } }));
  const moved = await eventually(() => byStatus('moved'), (r) => r.length === 1, 'the item is under moved');
  assert.equal(moved[0].sk.N, '1');
  assert.equal((await byStatus('odd')).length, 14);
});

test('UpdateTable adds a global index and backfills it', async () => {
  await ddb.send(new UpdateTableCommand({
    TableName: TABLE, AttributeDefinitions: [{ AttributeName: 'sk', AttributeType: 'N' }],
    GlobalSecondaryIndexUpdates: [{ Create: {
      IndexName: 'by_sk', Projection: { ProjectionType: 'ALL' },
      KeySchema: [{ AttributeName: 'sk', KeyType: 'HASH' }] } }] }));
  await eventually(async () => (await ddb.send(new DescribeTableCommand({ TableName: TABLE })))
    .Table.GlobalSecondaryIndexes.find((g) => g.IndexName === 'by_sk').IndexStatus,
  (s) => s === 'ACTIVE', 'by_sk ACTIVE');
  const got = await queryAll({
    TableName: TABLE, IndexName: 'by_sk', KeyConditionExpression: 'sk = :k', ExpressionAttributeValues: { ':k': N(7) } });
  assert.equal(got.length, 1);
  assert.equal(got[0].rank.N, '23');
});

test('reads an index refuses reach the SDK as DynamoDB words them', async () => {
  const cases = [
    [{ IndexName: 'nope', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('p') } },
      'The table does not have the specified index: nope'],
    [{ IndexName: 'by_status', ConsistentRead: true, KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('odd') } },
    'Consistent reads are not supported on global secondary indexes'],
  ];
  for (const [params, message] of cases) {
    await assert.rejects(ddb.send(new QueryCommand({ TableName: TABLE, ...params })),
      (e) => e.name === 'ValidationException' && e.message === message && e.$metadata.httpStatusCode === 400);
  }
});

test('every response carried a correct x-amz-crc32', () => {
  assert.ok(crc.checked > 20, `only ${crc.checked} responses checked`);
  assert.deepEqual(crc.mismatches, []);
});

test('SIGTERM stops the server with exit code 0', async () => {
  ddb.destroy();
  const code = await stopServer(server.proc);
  assert.equal(code, 0, `ddb-local exited with ${code} after SIGTERM; stderr:\n${server.stderr().slice(-2000)}`);
});
