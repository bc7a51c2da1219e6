// Browser test of secondary indexes in the data browser, against the real
// binary: create a table with a global and a local index through the dialog
// (a form mistake and DynamoDB's refusal shown in it), check with the AWS CLI
// that DescribeTable shows both, put items with the AWS CLI; in the UI query
// the global index (numbers in numeric order, both directions, paging, the
// strongly consistent box disabled, rows as projected, the whole item read
// for the editor, a scan) and the local one (ConsistentRead sent); a global index
// added by UpdateTable shows CREATING in the header while it is built (index
// propagation paused), then ACTIVE, and can be queried.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, aws, client, launchBrowser, startServer, stopServer } from './harness.mjs';

const shots = process.env.SCREENSHOT_DIR || '/tmp';
const kWaitMs = 10000;  // any one UI expectation

// customer (table partition key), orderId (table sort key), date (the local
// index's sort key), status and total (the global index's keys), note (the
// local index's one non-key attribute) and extra (in no index).
const ORDERS = [
  ['c1', 'o1', '2026-03-01', 'open', '100', 'first'],
  ['c1', 'o2', '2026-01-15', 'shipped', '9', 'second'],
  ['c1', 'o3', '2026-02-10', 'open', '10', 'third'],
  ['c1', 'o4', '2026-05-20', 'open', '9.5', 'fourth'],
  ['c1', 'o5', '2025-12-31', null, null, 'fifth'],  // no status: not in the global index
  ['c2', 'o6', '2026-02-01', 'open', '55', 'sixth'],
  ['c2', 'o7', '2026-04-04', 'shipped', '1', 'seventh'],
].map(([customer, orderId, date, status, total, note]) => {
  const item = { customer: { S: customer }, orderId: { S: orderId }, date: { S: date }, note: { S: note }, extra: { S: `x-${orderId}` } };
  if (status) item.status = { S: status };
  if (total) item.total = { N: total };
  return item;
});

test('secondary indexes in the data browser', { timeout: 90000 }, async (t) => {
  const { proc, base } = await startServer();
  const work = mkdtempSync(join(tmpdir(), 'ddb-webui-indexes-'));
  let browser;
  t.after(async () => {
    if (browser) await browser.close();
    await stopServer(proc);
    rmSync(work, { recursive: true, force: true });
  });
  const ddb = client(base);
  const cli = aws(base);
  browser = await launchBrowser();
  const { page } = browser;
  page.setDefaultTimeout(kWaitMs);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  const dialog = page.locator('dialog[open]');
  const rows = () => page.locator('table.data tbody tr');
  const column = (attr) => rows().locator(`td[data-attr=${attr}]`).allTextContents();
  const headers = () => page.locator('div.items table.data thead th:not(.select)').allTextContents();
  const pageInfo = page.locator('.page-info');
  const consistent = page.locator('form.query input[name=consistent]');
  const editor = page.locator('dialog.editor');
  const indexRow = (name) => page.locator(`table.indexes tr[data-index=${name}]`);
  const isRead = (r) => r.url() === `${base}/` && /Query|Scan/.test(r.headers()['x-amz-target'] || '');

  // Runs a query from the form; resolves to the request body it sent.
  async function runQuery({ index = '', hash, op = '', v1 = '', v2 = '', descending = false, limit = '50' }) {
    await page.locator('form.query label.seg', { hasText: 'Query' }).click();
    await page.selectOption('form.query select[name=index]', index);
    await page.fill('form.query input[name=hash]', hash);
    const sortOp = page.locator('form.query select[name=sortOp]');
    if (op || await sortOp.isVisible()) await sortOp.selectOption(op);  // hidden: the source has no sort key
    if (op) await page.fill('form.query input[name=sortV1]', v1);
    if (op === 'BETWEEN') await page.fill('form.query input[name=sortV2]', v2);
    await page.locator('form.query input[name=descending]').setChecked(descending);
    await page.fill('form.query input[name=limit]', limit);
    const sent = page.waitForRequest(isRead);
    const answered = page.waitForResponse((r) => isRead(r.request()));
    await page.click('form.query button[name=run]');
    const request = await sent;
    await answered;
    return JSON.parse(request.postData());
  }

  await t.test('the create dialog: a form mistake, then DynamoDB\'s refusal, shown in the dialog', async () => {
    await page.goto(`${base}/ui/#data`);
    await page.locator('#table-pane .ns-current').filter({ hasText: 'local / us-east-1' }).waitFor();
    await page.click('#create-table');
    await dialog.locator('input[name=tableName]').fill('Orders');
    await dialog.locator('input[name="partition key-name"]').fill('customer');

    await dialog.locator('button[name=add-gsi]').click();
    const gsi = dialog.locator('fieldset.index').nth(0);
    assert.equal(await gsi.getAttribute('data-kind'), 'global');
    await gsi.locator('input[name=index-name]').fill('by_status');
    await gsi.locator('input[name=index-pk-name]').fill('status');
    await gsi.locator('input[name=index-sk-name]').fill('total');
    await gsi.locator('select[name=index-sk-type]').selectOption('N');
    await gsi.locator('select[name=index-projection]').selectOption('KEYS_ONLY');
    assert.equal(await gsi.locator('input[name=index-nonkey]').isVisible(), false);

    await dialog.locator('button[name=add-lsi]').click();
    const lsi = dialog.locator('fieldset.index').nth(1);
    assert.equal(await lsi.getAttribute('data-kind'), 'local');
    // A local index has the table's partition key, fixed.
    assert.equal(await lsi.locator('input[name=index-pk-name]').inputValue(), 'customer');
    assert.equal(await lsi.locator('input[name=index-pk-name]').isDisabled(), true);
    await dialog.locator('input[name="partition key-name"]').fill('cust');
    assert.equal(await lsi.locator('input[name=index-pk-name]').inputValue(), 'cust');
    await dialog.locator('input[name="partition key-name"]').fill('customer');
    assert.equal(await lsi.locator('input[name=index-pk-name]').inputValue(), 'customer');
    await lsi.locator('input[name=index-name]').fill('by_date');
    await lsi.locator('input[name=index-sk-name]').fill('total');  // S here, N in by_status
    await lsi.locator('select[name=index-projection]').selectOption('INCLUDE');
    await lsi.locator('input[name=index-nonkey]').fill('note');

    const error = dialog.locator('p.error');
    let sent = 0;
    const countCreate = (r) => { if ((r.headers()['x-amz-target'] || '').endsWith('.CreateTable')) sent++; };
    page.on('request', countCreate);
    await dialog.locator('button[name=create]').click();
    await error.filter({ hasText: 'Attribute total is given two types: N (index by_status) and S (index by_date)' }).waitFor();
    assert.equal(sent, 0, 'a form mistake is not sent');
    page.off('request', countCreate);

    // The table has no sort key: DynamoDB refuses a local index, in its words.
    await lsi.locator('input[name=index-sk-name]').fill('date');
    const answered = page.waitForResponse((r) => (r.request().headers()['x-amz-target'] || '').endsWith('.CreateTable'));
    await dialog.locator('button[name=create]').click();
    assert.equal((await answered).status(), 400);
    await error.filter({ hasText: 'ValidationException' }).waitFor();
    assert.equal(await error.textContent(), 'ValidationException: One or more parameter values were invalid: ' +
      'Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex');
  });

  await t.test('create the table with a global and a local index; the AWS CLI describes both', async () => {
    await dialog.locator('input[name="sort key-name"]').fill('orderId');
    const sent = page.waitForRequest((r) => (r.headers()['x-amz-target'] || '').endsWith('.CreateTable'));
    await dialog.locator('button[name=create]').click();
    const body = JSON.parse((await sent).postData());
    await dialog.waitFor({ state: 'detached' });
    // Every key defined once.
    assert.deepEqual(body.AttributeDefinitions.map((d) => d.AttributeName).sort(), ['customer', 'date', 'orderId', 'status', 'total']);
    await page.locator('.table-head h2').filter({ hasText: 'Orders' }).waitFor();

    const { Table } = await cli('dynamodb', 'describe-table', '--table-name', 'Orders');
    const types = Object.fromEntries(Table.AttributeDefinitions.map((d) => [d.AttributeName, d.AttributeType]));
    assert.deepEqual(types, { customer: 'S', orderId: 'S', date: 'S', status: 'S', total: 'N' });
    assert.equal(Table.AttributeDefinitions.length, 5);
    assert.deepEqual(Table.KeySchema, [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'orderId', KeyType: 'RANGE' }]);
    assert.equal(Table.GlobalSecondaryIndexes.length, 1);
    const [g] = Table.GlobalSecondaryIndexes;
    assert.equal(g.IndexName, 'by_status');
    assert.deepEqual(g.KeySchema, [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'total', KeyType: 'RANGE' }]);
    assert.deepEqual(g.Projection, { ProjectionType: 'KEYS_ONLY' });
    assert.equal(g.IndexStatus, 'ACTIVE');
    assert.equal(Table.LocalSecondaryIndexes.length, 1);
    const [l] = Table.LocalSecondaryIndexes;
    assert.equal(l.IndexName, 'by_date');
    assert.deepEqual(l.KeySchema, [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'date', KeyType: 'RANGE' }]);
    assert.deepEqual(l.Projection, { ProjectionType: 'INCLUDE', NonKeyAttributes: ['note'] });

    // The header lists both.
    assert.deepEqual(await indexRow('by_status').locator('td').allTextContents(),
      ['by_status', 'global', 'status S', 'total N', 'KEYS_ONLY', 'ACTIVE', '0']);
    assert.deepEqual(await indexRow('by_date').locator('td').allTextContents(),
      ['by_date', 'local', 'customer S', 'date S', 'INCLUDE (note)', 'with the table', '0']);
  });

  await t.test('items put with the AWS CLI are found through the global index, in numeric order', async () => {
    const file = join(work, 'orders.json');
    writeFileSync(file, JSON.stringify({ Orders: ORDERS.map((Item) => ({ PutRequest: { Item } })) }));
    const out = await cli('dynamodb', 'batch-write-item', '--request-items', `file://${file}`);
    assert.deepEqual(out.UnprocessedItems, {});

    await page.locator('form.query label.seg', { hasText: 'Query' }).click();
    await page.selectOption('form.query select[name=index]', 'by_status');
    // The form takes the index's keys; a global index is never strongly consistent.
    assert.equal(await page.locator('form.query .row code').first().textContent(), 'status');
    assert.equal(await consistent.isDisabled(), true);
    assert.equal(await consistent.isChecked(), false);
    let body = await runQuery({ index: 'by_status', hash: 'open' });
    assert.equal(body.IndexName, 'by_status');
    assert.equal('ConsistentRead' in body, false);
    await pageInfo.filter({ hasText: 'Query index by_status · page 1 · 4 items' }).waitFor();
    assert.deepEqual(await column('orderId'), ['o4', 'o3', 'o6', 'o1']);
    assert.deepEqual(await column('total'), ['9.5', '10', '55', '100']);
    // KEYS_ONLY: the rows hold the index's and the table's keys, nothing else.
    assert.deepEqual(await headers(), ['statusIPK', 'totalISK', 'customerPK', 'orderIdSK']);

    body = await runQuery({ index: 'by_status', hash: 'open', op: 'BETWEEN', v1: '9.5', v2: '60', descending: true });
    assert.equal(body.ScanIndexForward, false);
    await pageInfo.filter({ hasText: 'Query index by_status · page 1 · 3 items' }).waitFor();
    assert.deepEqual(await column('orderId'), ['o6', 'o3', 'o4']);
    await page.screenshot({ path: join(shots, 'ddb-local-ui-indexes.png'), fullPage: true });
  });

  await t.test('a scan of the global index holds only the items that have its keys', async () => {
    await page.locator('form.query label.seg', { hasText: 'Scan' }).click();
    await page.selectOption('form.query select[name=index]', 'by_status');
    const sent = page.waitForRequest(isRead);
    await page.click('form.query button[name=run]');
    const body = JSON.parse((await sent).postData());
    assert.equal(body.IndexName, 'by_status');
    assert.equal('ConsistentRead' in body, false);
    await pageInfo.filter({ hasText: 'Scan index by_status · page 1 · 6 items' }).waitFor();
    assert.deepEqual((await column('orderId')).sort(), ['o1', 'o2', 'o3', 'o4', 'o6', 'o7']);
  });

  await t.test('paging through the global index with its LastEvaluatedKey', async () => {
    await runQuery({ index: 'by_status', hash: 'open', limit: '3' });
    await pageInfo.filter({ hasText: 'page 1 · 3 items (3 scanned) · more' }).waitFor();
    assert.deepEqual(await column('orderId'), ['o4', 'o3', 'o6']);
    const sent = page.waitForRequest(isRead);
    await page.click('button[name=next-page]');
    const body = JSON.parse((await sent).postData());
    assert.equal(body.IndexName, 'by_status');
    assert.deepEqual(body.ExclusiveStartKey, { status: { S: 'open' }, total: { N: '55' }, customer: { S: 'c2' }, orderId: { S: 'o6' } });
    await pageInfo.filter({ hasText: 'page 2 · 1 items' }).waitFor();
    assert.deepEqual(await column('orderId'), ['o1']);
    assert.equal(await page.locator('button[name=next-page]').isDisabled(), true);
    await page.click('button[name=prev-page]');
    await pageInfo.filter({ hasText: 'page 1 · 3 items' }).waitFor();
    assert.deepEqual(await column('orderId'), ['o4', 'o3', 'o6']);
  });

  await t.test('a row of a KEYS_ONLY index opens as the whole item, read from the table', async () => {
    const got = page.waitForRequest((r) => (r.headers()['x-amz-target'] || '').endsWith('.GetItem'));
    await rows().filter({ hasText: 'o3' }).locator('td').nth(1).click();
    const body = JSON.parse((await got).postData());
    assert.deepEqual(body, { TableName: 'Orders', Key: { customer: { S: 'c1' }, orderId: { S: 'o3' } }, ConsistentRead: true });
    await editor.waitFor();
    assert.deepEqual(JSON.parse(await editor.locator('textarea').inputValue()), ORDERS[2]);
    await editor.locator('button', { hasText: 'Cancel' }).click();
    await editor.waitFor({ state: 'detached' });
  });

  await t.test('the local index: sort by date, strongly consistent, rows as projected', async () => {
    await page.selectOption('form.query select[name=index]', 'by_date');
    assert.equal(await consistent.isDisabled(), false);
    assert.equal(await consistent.isChecked(), true);
    const body = await runQuery({ index: 'by_date', hash: 'c1', op: 'BETWEEN', v1: '2026-01-01', v2: '2026-03-31' });
    assert.equal(body.IndexName, 'by_date');
    assert.equal(body.ConsistentRead, true);
    await pageInfo.filter({ hasText: 'Query index by_date · page 1 · 3 items' }).waitFor();
    assert.deepEqual(await column('orderId'), ['o2', 'o3', 'o1']);
    assert.deepEqual(await column('date'), ['2026-01-15', '2026-02-10', '2026-03-01']);
    assert.deepEqual(await headers(), ['customerIPK', 'dateISK', 'orderIdSK', 'note']);
    await runQuery({ index: 'by_date', hash: 'c1', descending: true });
    await pageInfo.filter({ hasText: 'Query index by_date · page 1 · 5 items' }).waitFor();
    assert.deepEqual(await column('orderId'), ['o4', 'o1', 'o3', 'o2', 'o5']);
    // Back on the table, the query takes the table's keys again.
    const table = await runQuery({ index: '', hash: 'c2' });
    assert.equal('IndexName' in table, false);
    assert.equal(table.ConsistentRead, true);
    await pageInfo.filter({ hasText: 'Query · page 1 · 2 items' }).waitFor();
    assert.deepEqual(await column('extra'), ['x-o6', 'x-o7']);
  });

  await t.test('a global index added by UpdateTable shows CREATING, then ACTIVE', async () => {
    // Paused propagation holds the backfill: the index stays CREATING.
    await admin(base, 'index-propagation', { paused: true });
    let resumed = false;
    try {
      const out = await cli('dynamodb', 'update-table', '--table-name', 'Orders',
        '--attribute-definitions', 'AttributeName=note,AttributeType=S',
        '--global-secondary-index-updates', JSON.stringify([{ Create: {
          IndexName: 'by_note', KeySchema: [{ AttributeName: 'note', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' },
        } }]));
      assert.equal(out.TableDescription.GlobalSecondaryIndexes.find((i) => i.IndexName === 'by_note').IndexStatus, 'CREATING');
      await page.click('#table-list button[data-table=Orders]');
      await indexRow('by_note').and(page.locator('[data-status=CREATING]')).waitFor();
      assert.equal(await indexRow('by_note').locator('td.index-status').textContent(), 'CREATING (backfilling)');
      assert.match(await page.locator('form.query select[name=index] option[value=by_note]').textContent(), /, CREATING\)$/);
      assert.deepEqual(await indexRow('by_status').locator('td').allTextContents(),
        ['by_status', 'global', 'status S', 'total N', 'KEYS_ONLY', 'ACTIVE', '6']);
      assert.equal(await indexRow('by_date').locator('td.num').textContent(), '7');
      await admin(base, 'index-propagation', { paused: false });
      resumed = true;
    } finally {
      if (!resumed) await admin(base, 'index-propagation', { paused: false });
    }
    // The page polls DescribeTable while the index is built.
    await indexRow('by_note').and(page.locator('[data-status=ACTIVE]')).waitFor({ timeout: 20000 });
    assert.equal(await indexRow('by_note').locator('td.index-status').textContent(), 'ACTIVE');
    assert.doesNotMatch(await page.locator('form.query select[name=index] option[value=by_note]').textContent(), /CREATING/);
    await runQuery({ index: 'by_note', hash: 'third' });
    await pageInfo.filter({ hasText: 'Query index by_note · page 1 · 1 items' }).waitFor();
    assert.deepEqual(await column('orderId'), ['o3']);
    assert.equal(await consistent.isDisabled(), true);
  });

  await t.test('from another namespace, Orders counts as one table (its indexes are not tables)', async () => {
    await page.fill('#ns-form input[name=accessKey]', 'other');
    await page.fill('#ns-form input[name=region]', 'eu-west-1');
    await page.click('#ns-form button[type=submit]');
    await page.locator('#table-list').filter({ hasText: 'No tables in this namespace' }).waitFor();
    await page.locator('#ns-others button', { hasText: 'local / us-east-1 (1)' }).click();
    await page.locator('#table-list button[data-table=Orders]').waitFor();
  });

  await t.test('the page raised no script error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
