// Fault rules (/admin/faults) with the AWS SDK for JavaScript v3 and its
// default retry strategy (standard mode; DynamoDB clients of the pinned SDK
// make 4 attempts): throttles and server
// errors within the budget are retried and succeed; beyond it they reach the
// caller with DynamoDB's error name; UnprocessedItems are resent by the
// application loop until the batch is done.
//
// One -inMemory server (harness.mjs) serves the file.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { startServer, stopServer } from './harness.mjs';

const kBatchRounds = 10;   // BatchWriteItem calls at most
const TABLE = 'js_faults';

let server;  // { proc, base, stderr() }
let base;
let ddb;

async function addRule(rule) {
  const res = await fetch(`${base}/admin/faults`, { method: 'POST', body: JSON.stringify(rule) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text).id;
}

async function listRules() {
  return (await (await fetch(`${base}/admin/faults`)).json()).rules;
}

before(async () => {
  server = await startServer();
  ({ base } = server);
  ddb = new DynamoDBClient({
    endpoint: base,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDJSFAULTS', secretAccessKey: 'dummy-secret-key' },
  });
  await ddb.send(new CreateTableCommand({
    TableName: TABLE,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
});

after(async () => {
  ddb?.destroy();
  if (!server) return;
  const code = await stopServer(server.proc);
  assert.equal(code, 0, `ddb-local exited with ${code} after SIGTERM; stderr:\n${server.stderr().slice(-2000)}`);
});

for (const fault of ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded',
  'InternalServerError']) {
  test(`the SDK retries two ${fault} answers and succeeds`, async () => {
    await addRule({ fault, table: TABLE, operations: 'write', count: 2 });
    const res = await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: fault } } }));
    assert.equal(res.$metadata.attempts, 3);
    assert.deepEqual(await listRules(), []);
  });
}

test('throttles beyond the retry budget reach the caller', async () => {
  await addRule({ fault: 'ThrottlingException', table: TABLE, operations: 'read', count: 6 });
  await assert.rejects(
    ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'x' } } })),
    (e) => {
      assert.equal(e.name, 'ThrottlingException');
      assert.equal(e.message, 'Rate of requests exceeds the allowed throughput.');
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.equal(e.$metadata.attempts, 4);
      return true;
    });
  const rules = await listRules();
  assert.deepEqual(rules.map((r) => [r.remaining, r.fired]), [[2, 4]]);
  await fetch(`${base}/admin/faults`, { method: 'DELETE' });
});

test('UnprocessedItems twice, then the batch is done', async () => {
  await addRule({ fault: 'UnprocessedItems', table: TABLE, count: 2 });
  let pending = { [TABLE]: Array.from({ length: 10 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `b${i}` } } } })) };
  const held = [];
  for (let round = 0; round < kBatchRounds && Object.keys(pending).length > 0; round++) {
    const res = await ddb.send(new BatchWriteItemCommand({ RequestItems: pending }));
    pending = res.UnprocessedItems ?? {};
    held.push(pending[TABLE]?.length ?? 0);
  }
  assert.deepEqual(held, [5, 3, 0]);
  const scan = await ddb.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  const keys = scan.Items.map((it) => it.pk.S).filter((k) => k.startsWith('b')).sort();
  assert.deepEqual(keys, Array.from({ length: 10 }, (_, i) => `b${i}`));
});
