// Transactions with the AWS SDK for JavaScript v3 against the real binary
// (the points of tests/integration/test_transactions.py in a smaller form):
// TransactWriteItems and TransactGetItems across two tables, the DocumentClient
// forms, TransactionCanceledException with CancellationReasons, validation,
// ClientRequestToken idempotency, and TransactionConflictException.
//
// One -inMemory server (harness.mjs) serves every test of this file; the
// last test stops it with SIGTERM and expects exit code 0.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactGetItemsCommand,
  TransactWriteItemsCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactGetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startServer, stopServer } from './harness.mjs';

const kRequestMs = 10000;
const HASH = 'js_txn_h';
const RANGE = 'js_txn_r';

let server;
let ddb;
let doc;

const S = (s) => ({ S: s });
const N = (n) => ({ N: String(n) });
const hk = (pk) => ({ pk: S(pk) });
const rk = (pk, sk) => ({ pk: S(pk), sk: N(sk) });

async function stored(table, key) {
  const out = await ddb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return out.Item;
}

async function failure(cmd) {
  try {
    await ddb.send(cmd);
  } catch (e) {
    return e;
  }
  assert.fail('expected an error, got success');
}

before(async () => {
  server = await startServer();
  ddb = new DynamoDBClient({
    endpoint: server.base,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDJSSDKTXN', secretAccessKey: 'dummy-secret-key' },
    maxAttempts: 1,  // an error must come from the server, not be retried away
    requestHandler: { requestTimeout: kRequestMs, connectionTimeout: kRequestMs },
  });
  doc = DynamoDBDocumentClient.from(ddb);
  await ddb.send(new CreateTableCommand({
    TableName: HASH, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  }));
  await ddb.send(new CreateTableCommand({
    TableName: RANGE, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  }));
});

after(async () => {
  if (ddb) ddb.destroy();
  if (server && server.proc.exitCode === null) server.proc.kill('SIGKILL');  // only if the last test did not stop it
});

test('TransactWriteItems across two tables, read back with TransactGetItems', async () => {
  await ddb.send(new PutItemCommand({ TableName: RANGE, Item: { ...rk('a', 1), n: N(10) } }));
  await ddb.send(new PutItemCommand({ TableName: HASH, Item: { ...hk('gone'), v: S('x') } }));
  const out = await ddb.send(new TransactWriteItemsCommand({
    ReturnConsumedCapacity: 'TOTAL',
    TransactItems: [
      { Put: { TableName: HASH, Item: { ...hk('a'), v: S('new') }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Update: { TableName: RANGE, Key: rk('a', 1), UpdateExpression: 'SET n = n - :d', ConditionExpression: 'n >= :d',
                  ExpressionAttributeValues: { ':d': N(4) } } },
      { Delete: { TableName: HASH, Key: hk('gone') } },
      { ConditionCheck: { TableName: RANGE, Key: rk('b', 1), ConditionExpression: 'attribute_not_exists(pk)' } },
    ],
  }));
  assert.deepEqual(out.ConsumedCapacity.map((c) => [c.TableName, c.CapacityUnits]).sort(),
    [[HASH, 4], [RANGE, 4]]);
  const got = await ddb.send(new TransactGetItemsCommand({
    TransactItems: [
      { Get: { TableName: HASH, Key: hk('a') } },
      { Get: { TableName: RANGE, Key: rk('a', 1), ProjectionExpression: 'n' } },
      { Get: { TableName: HASH, Key: hk('gone') } },
    ],
  }));
  assert.deepEqual(got.Responses, [{ Item: { ...hk('a'), v: S('new') } }, { Item: { n: N(6) } }, {}]);
});

test('DocumentClient TransactWriteCommand and TransactGetCommand', async () => {
  await doc.send(new TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: HASH, Item: { pk: 'doc1', list: [1, 'two', { three: true }] } } },
      { Put: { TableName: RANGE, Item: { pk: 'doc1', sk: 7, tags: new Set(['x', 'y']) } } },
    ],
  }));
  const got = await doc.send(new TransactGetCommand({
    TransactItems: [{ Get: { TableName: HASH, Key: { pk: 'doc1' } } }, { Get: { TableName: RANGE, Key: { pk: 'doc1', sk: 7 } } }],
  }));
  assert.deepEqual(got.Responses[0].Item, { pk: 'doc1', list: [1, 'two', { three: true }] });
  assert.deepEqual([...got.Responses[1].Item.tags].sort(), ['x', 'y']);
});

test('a failed condition cancels everything, with reasons in order', async () => {
  await ddb.send(new PutItemCommand({ TableName: HASH, Item: { ...hk('c1'), v: N(1) } }));
  const err = await failure(new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: HASH, Item: hk('c-new') } },
      { Update: { TableName: HASH, Key: hk('c1'), UpdateExpression: 'SET v = :x', ConditionExpression: 'v = :two',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ExpressionAttributeValues: { ':x': N(5), ':two': N(2) } } },
    ],
  }));
  assert.equal(err.name, 'TransactionCanceledException');
  assert.equal(err.$metadata.httpStatusCode, 400);
  assert.equal(err.message,
    'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]');
  assert.deepEqual(err.CancellationReasons, [
    { Code: 'None' },
    { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { ...hk('c1'), v: N(1) } },
  ]);
  assert.equal(await stored(HASH, hk('c-new')), undefined);
  assert.deepEqual(await stored(HASH, hk('c1')), { ...hk('c1'), v: N(1) });
});

test('validation: two actions on one item, and too many actions', async () => {
  let err = await failure(new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: HASH, Item: hk('v1') } },
      { Delete: { TableName: HASH, Key: hk('v1') } },
    ],
  }));
  assert.equal(err.name, 'ValidationException');
  assert.equal(err.message, 'Transaction request cannot include multiple operations on one item');
  err = await failure(new TransactGetItemsCommand({
    TransactItems: Array.from({ length: 101 }, (_, i) => ({ Get: { TableName: HASH, Key: hk(`g${i}`) } })),
  }));
  assert.equal(err.name, 'ValidationException');
  assert.match(err.message, /at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/);
  assert.equal(await stored(HASH, hk('v1')), undefined);
});

test('ClientRequestToken: a repeat is applied once, a changed request is refused', async () => {
  const token = `tok-${Date.now()}`;
  const items = [{ Update: { TableName: HASH, Key: hk('idem'), UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': N(1) } } }];
  await ddb.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: token }));
  await ddb.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: token }));
  assert.deepEqual(await stored(HASH, hk('idem')), { ...hk('idem'), n: N(1) });
  const err = await failure(new TransactWriteItemsCommand({
    TransactItems: [{ Update: { ...items[0].Update, UpdateExpression: 'ADD n :one, m :one' } }], ClientRequestToken: token,
  }));
  assert.equal(err.name, 'IdempotentParameterMismatchException');
  assert.deepEqual(await stored(HASH, hk('idem')), { ...hk('idem'), n: N(1) });
});

test('a plain write that meets a transaction gets TransactionConflictException', async () => {
  const a = hk('hot-a');
  const b = hk('hot-b');
  const deadline = Date.now() + 8000;
  const seen = { conflict: 0, committed: 0 };
  const txnLoop = async () => {
    for (let i = 0; i < 2000 && Date.now() < deadline && seen.conflict === 0; i++) {
      try {
        await ddb.send(new TransactWriteItemsCommand({
          TransactItems: [a, b].map((Key) => ({ Update: { TableName: HASH, Key, UpdateExpression: 'ADD n :one',
                                                           ExpressionAttributeValues: { ':one': N(1) } } })),
        }));
        seen.committed++;
      } catch (e) {
        assert.equal(e.name, 'TransactionCanceledException');
        assert.ok(e.CancellationReasons.every((r) => r.Code === 'None' || r.Code === 'TransactionConflict'));
      }
    }
  };
  const plainLoop = async () => {
    for (let i = 0; i < 5000 && Date.now() < deadline && seen.conflict === 0; i++) {
      try {
        await ddb.send(new UpdateItemCommand({ TableName: HASH, Key: a, UpdateExpression: 'ADD m :one',
                                               ExpressionAttributeValues: { ':one': N(1) } }));
      } catch (e) {
        assert.equal(e.name, 'TransactionConflictException');
        assert.equal(e.message, 'Transaction is ongoing for the item');
        seen.conflict++;
      }
    }
  };
  await Promise.all([txnLoop(), txnLoop(), txnLoop(), plainLoop()]);
  assert.ok(seen.conflict > 0, `no conflict seen: ${JSON.stringify(seen)}`);
  // The loops stop at the first conflict, which can come before any
  // transaction committed (three at once can cancel one another): then
  // neither item has n (and either may not exist).
  const na = (await stored(HASH, a))?.n?.N ?? '0';
  const nb = (await stored(HASH, b))?.n?.N ?? '0';
  assert.equal(na, nb);
  assert.equal(Number(na), seen.committed);
});

test('SIGTERM stops the server with exit code 0', async () => {
  ddb.destroy();  // no idle keep-alive connection left open
  const code = await stopServer(server.proc);
  assert.equal(code, 0, `ddb-local exited with ${code} after SIGTERM; stderr:\n${server.stderr().slice(-2000)}`);
});
