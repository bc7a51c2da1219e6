// Browser test of the web UI: playwright-core drives Debian's chromium
// (headless, no browser download) against the real binary on a free port.
//
// Through the UI: a DynamoDB error is shown as DynamoDB wrote it; create a
// table; put an item with a 38-digit number, a string set, binary and HTML;
// edit it; scan and see every digit, the set and the HTML as text; query;
// page; export as DynamoDB JSON lines and import such a file; select and
// delete many; delete the item and the table. Cluster view: 6 nodes in 3 AZs;
// power off a leader's node, see it down, every partition with a leader again
// and writes still succeeding; power it on; flip a bit of a stored item on
// one replica, scrub now, see the alarm and the repair. Screenshots go to
// $SCREENSHOT_DIR (default /tmp).
//
// Environment: DDB_LOCAL (the binary; default ./ddb-local at the repo root),
// DDB_UI_DIR (serve the UI from this folder instead of the embedded files),
// CHROMIUM (default /usr/bin/chromium).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { client, startServer, stopServer } from './harness.mjs';

const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.SCREENSHOT_DIR || '/tmp';
const kWaitMs = 10000;   // any one UI expectation
const kFailoverMs = 10000;

const BIG = '12345678901234567890123456789012345678';  // 38 digits
const HTML = '<b>bold</b><img src=x onerror="window.pwned=1">';

// No healing: these tests power nodes and AZs off one after another, and a
// log replica added in an AZ the next test powers off would leave a group
// without a quorum until it comes back (healing has tests of its own,
// tests/integration/test_healing.py).
const kServerFlags = ['-healAfterMs', '0'];

test('web UI against the real binary', { timeout: 90000 }, async (t) => {
  const { proc, base } = await startServer(kServerFlags);
  const profile = mkdtempSync(join(tmpdir(), 'ddb-webui-chromium-'));
  const work = mkdtempSync(join(tmpdir(), 'ddb-webui-files-'));
  let context;
  t.after(async () => {
    if (context) await context.close().catch(() => {});
    await stopServer(proc);
    rmSync(profile, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  const ddb = client(base);

  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(kWaitMs);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  const rows = () => page.locator('table.data tbody tr');
  const row = (text) => rows().filter({ hasText: text });
  const editor = page.locator('dialog.editor');
  const confirm = async () => page.locator('dialog.confirm button.danger').click();
  const pageInfo = page.locator('.page-info');
  async function openItem(text) {
    await row(text).locator('td').nth(1).click();
    await editor.waitFor();
    return JSON.parse(await editor.locator('textarea').inputValue());
  }
  async function saveItem(item) {
    await editor.locator('textarea').fill(JSON.stringify(item, null, 2));
    await editor.locator('button.primary').click();
    await editor.waitFor({ state: 'detached' });
  }
  async function runQuery({ mode, hash = '', op = '', v1 = '', v2 = '', descending = false, limit = '50' }) {
    await page.locator('form.query label.seg', { hasText: mode }).click();
    if (mode === 'Query') {
      await page.fill('form.query input[name=hash]', hash);
      await page.selectOption('form.query select[name=sortOp]', op);
      if (op) await page.fill('form.query input[name=sortV1]', v1);
      if (op === 'BETWEEN') await page.fill('form.query input[name=sortV2]', v2);
      await page.locator('form.query input[name=descending]').setChecked(descending);
    }
    await page.fill('form.query input[name=limit]', limit);
    const answered = page.waitForResponse((r) => r.url() === `${base}/` && /Query|Scan/.test(r.request().headers()['x-amz-target'] || ''));
    await page.click('form.query button[name=run]');
    await answered;
  }

  await t.test('the data browser shows the namespace and DynamoDB errors', async () => {
    await page.goto(`${base}/ui/#data`);
    await page.locator('#table-pane .ns-current').filter({ hasText: 'local / us-east-1' }).waitFor();
    await page.click('#create-table');
    const dialog = page.locator('dialog[open]');
    await dialog.locator('input[name=tableName]').fill('ab');
    await dialog.locator('input[name="partition key-name"]').fill('Artist');
    await dialog.locator('button[name=create]').click();
    const error = dialog.locator('p.error');
    await error.filter({ hasText: 'ValidationException' }).waitFor();
    assert.match(await error.textContent(), /Value 'ab' at 'tableName' failed to satisfy constraint/);
  });

  await t.test('create a table', async () => {
    const dialog = page.locator('dialog[open]');
    await dialog.locator('input[name=tableName]').fill('Music');
    await dialog.locator('input[name="sort key-name"]').fill('Year');
    await dialog.locator('select[name="sort key-type"]').selectOption('N');
    await dialog.locator('button[name=create]').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('#table-list button[data-table=Music].selected').waitFor();
    await page.locator('.table-head h2').filter({ hasText: 'Music' }).waitFor();
    const { Table } = await ddb('DescribeTable', { TableName: 'Music' });
    assert.deepEqual(Table.KeySchema, [{ AttributeName: 'Artist', KeyType: 'HASH' }, { AttributeName: 'Year', KeyType: 'RANGE' }]);
    assert.equal(Table.BillingModeSummary.BillingMode, 'PAY_PER_REQUEST');
  });

  await t.test('another namespace has other tables, and says where the others are', async () => {
    await page.fill('#ns-form input[name=accessKey]', 'other');
    await page.fill('#ns-form input[name=region]', 'eu-west-1');
    await page.click('#ns-form button[type=submit]');
    await page.locator('#table-list').filter({ hasText: 'No tables in this namespace' }).waitFor();
    const back = page.locator('#ns-others button', { hasText: 'local / us-east-1 (1)' });
    await back.click();
    await page.locator('#table-list button[data-table=Music]').click();
    await page.locator('.table-head h2').filter({ hasText: 'local / us-east-1 Music' }).waitFor();
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('ddb-local.namespace')).accessKey), 'local');
  });

  await t.test('put an item with a 38-digit number, a string set, binary and HTML', async () => {
    await page.click('button[name=new-item]');
    await editor.waitFor();
    await saveItem({
      Artist: { S: 'Alice' }, Year: { N: '2024' }, Big: { N: BIG },
      Tags: { SS: ['rock', 'jazz'] }, Bin: { B: 'AAEC/w==' }, Html: { S: HTML },
    });
    await row('Alice').waitFor();
  });

  await t.test('a JSON number is refused before it loses digits', async () => {
    await page.click('button[name=new-item]');
    await editor.waitFor();
    await editor.locator('textarea').fill('{"Artist": {"S": "x"}, "Year": {"N": 12345678901234567890123456789012345678}}');
    await editor.locator('button.primary').click();
    await editor.locator('p.error').filter({ hasText: 'write numbers as strings' }).waitFor();
    await editor.locator('button', { hasText: 'Cancel' }).click();
    await editor.waitFor({ state: 'detached' });
  });

  await t.test('edit the item; the scan shows every digit, the set and the HTML as text', async () => {
    const item = await openItem('Alice');
    assert.deepEqual(item.Big, { N: BIG });
    assert.deepEqual([...item.Tags.SS].sort(), ['jazz', 'rock']);
    item.Tags.SS.push('pop');
    item.Note = { S: 'edited' };
    await saveItem(item);
    await row('edited').waitFor();
    const cell = (attr) => row('Alice').locator(`td[data-attr=${attr}]`);
    assert.equal(await cell('Big').textContent(), BIG);
    assert.ok(await cell('Big').evaluate((td) => td.scrollWidth <= td.clientWidth), 'the number is shown whole');
    assert.equal(await cell('Big').locator('.v').getAttribute('data-type'), 'N');
    assert.equal(await cell('Tags').locator('.v').getAttribute('data-type'), 'SS');
    assert.deepEqual(JSON.parse(await cell('Tags').locator('.v').getAttribute('title')).SS.sort(), ['jazz', 'pop', 'rock']);
    assert.equal(await cell('Bin').locator('.v').getAttribute('data-type'), 'B');
    assert.match(await cell('Bin').textContent(), /AAEC\/w==/);
    assert.equal(await cell('Html').textContent(), HTML);
    assert.equal(await cell('Html').locator('b, img').count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    const { Item } = await ddb('GetItem', { TableName: 'Music', Key: { Artist: { S: 'Alice' }, Year: { N: '2024' } }, ConsistentRead: true });
    assert.deepEqual(Item.Big, { N: BIG });
    assert.deepEqual(Item.Tags.SS.sort(), ['jazz', 'pop', 'rock']);
    assert.deepEqual(Item.Bin, { B: 'AAEC/w==' });
    assert.deepEqual(Item.Note, { S: 'edited' });
    await page.screenshot({ path: join(shots, 'ddb-local-ui-data.png'), fullPage: true });
  });

  await t.test('query with sort key conditions, both directions', async () => {
    for (const year of ['1999', '2010', '2030']) {
      await ddb('PutItem', { TableName: 'Music', Item: { Artist: { S: 'Alice' }, Year: { N: year } } });
    }
    await runQuery({ mode: 'Query', hash: 'Alice', op: 'BETWEEN', v1: '2000', v2: '2025' });
    await pageInfo.filter({ hasText: 'Query · page 1 · 2 items' }).waitFor();
    assert.deepEqual(await rows().locator('td[data-attr=Year]').allTextContents(), ['2010', '2024']);
    await page.fill('form.query input[name=filter]', '#n = :v');
    await page.fill('form.query input[name=names]', '{"#n": "Note"}');
    await page.fill('form.query input[name=values]', '{":v": {"S": "edited"}}');
    await runQuery({ mode: 'Query', hash: 'Alice', op: '>=', v1: '1000' });
    await pageInfo.filter({ hasText: '1 items (4 scanned)' }).waitFor();
    for (const field of ['filter', 'names', 'values']) await page.fill(`form.query input[name=${field}]`, '');
    await runQuery({ mode: 'Query', hash: 'Alice', op: '>=', v1: '2010', descending: true });
    await pageInfo.filter({ hasText: '3 items' }).waitFor();
    assert.deepEqual(await rows().locator('td[data-attr=Year]').allTextContents(), ['2030', '2024', '2010']);
    // DynamoDB's own message, as DynamoDB words it.
    await runQuery({ mode: 'Query', hash: 'Alice', op: 'begins_with', v1: '2' });
    const toast = page.locator('.toast.error').filter({ hasText: 'operator or function: begins_with, operand type: N' });
    await toast.waitFor();
    assert.match(await toast.textContent(), /^Query: ValidationException: Invalid KeyConditionExpression/);
    await toast.locator('button.close').click();
  });

  await t.test('page with LastEvaluatedKey', async () => {
    await runQuery({ mode: 'Query', hash: 'Alice', op: '', limit: '2' });
    await pageInfo.filter({ hasText: 'page 1 · 2 items' }).waitFor();
    await page.click('button[name=next-page]');
    await pageInfo.filter({ hasText: 'page 2 · 2 items' }).waitFor();
    assert.deepEqual(await rows().locator('td[data-attr=Year]').allTextContents(), ['2024', '2030']);
    await page.click('button[name=first-page]');
    await pageInfo.filter({ hasText: 'page 1' }).waitFor();
    assert.deepEqual(await rows().locator('td[data-attr=Year]').allTextContents(), ['1999', '2010']);
  });

  await t.test('export the query result as DynamoDB JSON lines', async () => {
    await runQuery({ mode: 'Query', hash: 'Alice', op: '=', v1: '2024' });
    await pageInfo.filter({ hasText: '1 items' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[name=export]')]);
    assert.equal(download.suggestedFilename(), 'Music-query.jsonl');
    const lines = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    assert.ok(lines[0].includes(`"Big":{"N":"${BIG}"}`), lines[0]);
    const { Item } = JSON.parse(lines[0]);
    assert.deepEqual(Item.Tags.SS.sort(), ['jazz', 'pop', 'rock']);
  });

  await t.test('import a JSON lines file, then select all and delete them', async () => {
    const file = join(work, 'import.jsonl');
    const lines = [];
    for (let i = 1; i <= 30; i++) {
      lines.push(JSON.stringify({ Item: { Artist: { S: 'Imported' }, Year: { N: String(i) }, Set: { NS: ['1', '2.5'] } } }));
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    await page.setInputFiles('input[name=import-file]', file);
    await page.locator('.progress-text').filter({ hasText: 'imported 30 items' }).waitFor();
    const imported = await ddb('Query', {
      TableName: 'Music', KeyConditionExpression: 'Artist = :a', ExpressionAttributeValues: { ':a': { S: 'Imported' } }, ConsistentRead: true,
    });
    assert.equal(imported.Count, 30);
    assert.deepEqual(imported.Items[0].Set.NS.sort(), ['1', '2.5']);
    // The server's loader (the one -seed uses) names the file and line of a bad item.
    const bad = join(work, 'bad.jsonl');
    writeFileSync(bad, `${lines[0]}\n\n${JSON.stringify({ Item: { Artist: { S: 'Imported' } } })}\n`);
    await page.setInputFiles('input[name=import-file]', bad);
    await page.locator('.toast.error').filter({ hasText: 'bad.jsonl:3: ValidationException: One or more parameter values were invalid: Missing the key Year in the item' }).waitFor();
    await page.locator('.toast.error button.close').first().click();

    await runQuery({ mode: 'Query', hash: 'Imported' });
    await pageInfo.filter({ hasText: '30 items' }).waitFor();
    await page.locator('table.data thead input[type=checkbox]').check();
    await page.locator('button[name=delete-selected]').filter({ hasText: '(30)' }).click();
    await confirm();
    await page.locator('.items').filter({ hasText: 'No items on this page' }).waitFor();
    const left = await ddb('Query', {
      TableName: 'Music', KeyConditionExpression: 'Artist = :a', ExpressionAttributeValues: { ':a': { S: 'Imported' } }, ConsistentRead: true,
    });
    assert.equal(left.Count, 0);
  });

  await t.test('delete the item, describe and delete the table', async () => {
    await runQuery({ mode: 'Scan' });
    await row('edited').waitFor();
    await openItem('edited');
    await editor.locator('button.danger').click();
    await confirm();
    await editor.waitFor({ state: 'detached' });
    await pageInfo.filter({ hasText: '3 items' }).waitFor();
    assert.equal(await row('edited').count(), 0);

    await page.click('details.describe summary');
    await page.locator('details.describe pre').filter({ hasText: '"TableName": "Music"' }).waitFor();

    await page.click('button[name=delete-table]');
    await confirm();
    await page.locator('#table-list button[data-table=Music]').waitFor({ state: 'detached' });
    const { TableNames } = await ddb('ListTables', {});
    assert.deepEqual(TableNames, []);
  });

  await t.test('cluster view: 6 nodes in 3 AZs; a leader powered off fails over', async () => {
    await ddb('CreateTable', {
      TableName: 'Faults', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
    });
    for (let i = 0; i < 20; i++) await ddb('PutItem', { TableName: 'Faults', Item: { id: { S: `k${i}` } } });
    await page.click('nav a[data-view=cluster]');
    await page.locator('#view-cluster:not([hidden])').waitFor();
    await page.locator('.node').nth(5).waitFor();
    assert.equal(await page.locator('.az').count(), 3);
    assert.equal(await page.locator('.node').count(), 6);
    assert.equal(await page.locator('.node[data-up=true]').count(), 6);
    for (const az of ['az-a', 'az-b', 'az-c']) assert.equal(await page.locator(`.az[data-az=${az}] .node`).count(), 2);

    const partitions = page.locator('.table-card[data-table="local_us-east-1/Faults"] tbody tr');
    await partitions.first().waitFor();
    // A group may be between leaders for a moment (an election after a late
    // heartbeat on a loaded machine): the page shows "no leader" until the
    // next refresh, so wait until it shows one.
    await page.waitForFunction(() => {
      const r = document.querySelector('.table-card[data-table="local_us-east-1/Faults"] tbody tr');
      return r !== null && r.dataset.leader !== '';
    }, null, { timeout: kWaitMs });
    const victim = await partitions.first().getAttribute('data-leader');
    assert.ok(victim, 'the first partition shows a leader');
    await page.locator(`.node[data-node=${victim}] header button`).click();
    await page.locator(`.node[data-node=${victim}][data-up=false]`).waitFor({ timeout: kFailoverMs });
    // Every partition has a leader again, on a node that is up.
    await page.waitForFunction((down) => {
      const rs = [...document.querySelectorAll('.table-card[data-table="local_us-east-1/Faults"] tbody tr')];
      return rs.length > 0 && rs.every((r) => r.dataset.leader && r.dataset.leader !== down);
    }, victim, { timeout: kFailoverMs });
    for (let i = 0; i < 10; i++) await ddb('PutItem', { TableName: 'Faults', Item: { id: { S: `after-${i}` } } });
    const scan = await ddb('Scan', { TableName: 'Faults', ConsistentRead: true });
    assert.equal(scan.Count, 30);
    await page.waitForTimeout(1200);  // one more poll, so the screenshot shows the writes' rates
    await page.screenshot({ path: join(shots, 'ddb-local-ui-cluster.png'), fullPage: true });

    await page.locator(`.node[data-node=${victim}] header button`).click();
    await page.locator(`.node[data-node=${victim}][data-up=true]`).waitFor({ timeout: kFailoverMs });
    await page.locator('.node[data-up=true]').nth(5).waitFor();
  });

  await t.test('a whole AZ off and on again', async () => {
    await page.locator('.az[data-az=az-c] button', { hasText: 'Power off AZ' }).click();
    await page.locator('.az[data-az=az-c] .node[data-up=false]').nth(1).waitFor({ timeout: kFailoverMs });
    await page.waitForFunction(() => {
      const rs = [...document.querySelectorAll('.table-card tbody tr')];
      return rs.length > 0 && rs.every((r) => r.dataset.leader && !r.dataset.leader.startsWith('az-c'));
    }, null, { timeout: kFailoverMs });
    await ddb('PutItem', { TableName: 'Faults', Item: { id: { S: 'az-c-off' } } });
    await page.locator('.az[data-az=az-c] button', { hasText: 'Power on AZ' }).click();
    await page.locator('.node[data-up=true]').nth(5).waitFor({ timeout: kFailoverMs });
  });

  await t.test('network and disks: isolate an AZ, heal; slow disk on and off', async () => {
    const state = page.locator('#network-state');
    await page.click('#network button[name=isolate-az-c]');
    await page.locator('#network-state[data-partition=\'[["az-c"],["az-a","az-b"]]\']').waitFor({ timeout: kFailoverMs });
    await state.filter({ hasText: /az-c\s*\|\s*az-a, az-b/ }).waitFor();
    await state.filter({ hasText: 'messages dropped' }).waitFor();
    // The majority side still writes; the page still shows a leader for every partition.
    await ddb('PutItem', { TableName: 'Faults', Item: { id: { S: 'az-c-isolated' } } });
    await page.waitForFunction(() => {
      const rs = [...document.querySelectorAll('.table-card tbody tr')];
      return rs.length > 0 && rs.every((r) => r.dataset.leader);
    }, null, { timeout: kFailoverMs });
    await page.fill('#network input[name=delayMs]', '5');
    await page.click('#network button[name=apply-network]');
    await state.filter({ hasText: /delay\s*5\s*ms/ }).waitFor();
    assert.equal(await state.getAttribute('data-partition'), '[["az-c"],["az-a","az-b"]]', 'Apply keeps the partition');
    await page.click('#network button[name=heal-network]');
    await page.locator('#network-state[data-partition="[]"]').waitFor();
    await state.filter({ hasText: /delay\s*0\s*ms/ }).waitFor();

    const node = page.locator('.node').first();
    await node.locator('button[name=slow-disk]').click();
    await node.locator('.disk-delay', { hasText: 'disk delay 50 ms' }).waitFor();
    assert.equal(await node.getAttribute('data-disk-delay'), '50');
    await ddb('PutItem', { TableName: 'Faults', Item: { id: { S: 'slow-disk' } } });
    await node.locator('button[name=slow-disk]').click();
    await page.locator('.node').first().and(page.locator('[data-disk-delay="0"]')).waitFor();
    assert.equal(await node.locator('.disk-delay').textContent(), '');

    await page.fill('#network input[name=staleReadsMs]', '250');
    await page.click('#network button[name=apply-stale-reads]');
    await state.filter({ hasText: /stale reads\s*250\s*ms late/ }).waitFor();
    await page.fill('#network input[name=staleReadsMs]', '0');
    await page.click('#network button[name=apply-stale-reads]');
    await state.filter({ hasText: /stale reads\s*0\s*ms late/ }).waitFor();
  });

  await t.test('fault rules: add one, watch it fire, remove one', async () => {
    const rules = page.locator('#fault-rules tr[data-rule]');
    await page.selectOption('#fault-form select[name=fault]', 'ThrottlingException');
    await page.fill('#fault-form input[name=table]', 'Faults');
    await page.selectOption('#fault-form select[name=operations]', 'write');
    await page.fill('#fault-form input[name=count]', '3');
    await page.click('#fault-form button[name=add-fault]');
    await rules.filter({ hasText: 'ThrottlingException' }).waitFor();
    // A write is refused with DynamoDB's throttle; the rule shows what is left.
    const res = await fetch(`${base}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.PutItem',
        'Authorization': 'AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' },
      body: JSON.stringify({ TableName: 'Faults', Item: { id: { S: 'throttled' } } }),
    });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).__type, 'com.amazon.coral.availability#ThrottlingException');
    await rules.locator('td.remaining', { hasText: /^2$/ }).waitFor();
    // A rule added through the API shows too; Remove takes one away.
    await fetch(`${base}/admin/faults`, { method: 'POST', body: JSON.stringify({ fault: 'UnprocessedItems', table: 'Faults', count: 1 }) });
    await rules.filter({ hasText: 'UnprocessedItems' }).waitFor();
    await rules.filter({ hasText: 'ThrottlingException' }).locator('button[name=remove-fault]').click();
    await rules.filter({ hasText: 'ThrottlingException' }).waitFor({ state: 'detached' });
    await page.click('#faults button[name=clear-faults]');
    await rules.first().waitFor({ state: 'detached' });
    await ddb('PutItem', { TableName: 'Faults', Item: { id: { S: 'after-rules' } } });
  });

  await t.test('snapshots: take one, change the data, restore it', async () => {
    await page.fill('#snapshot-form input[name=snapshot-name]', 'ui-base');
    await page.click('#snapshot-form button[name=take-snapshot]');
    const entry = page.locator('#snapshot-list li[data-snapshot=ui-base]');
    await entry.waitFor();
    const before = (await ddb('Scan', { TableName: 'Faults', ConsistentRead: true })).Count;
    await ddb('PutItem', { TableName: 'Faults', Item: { id: { S: 'after-snapshot' } } });
    assert.equal((await ddb('Scan', { TableName: 'Faults', ConsistentRead: true })).Count, before + 1);
    await entry.locator('button[name=restore-snapshot]').click();
    await confirm();
    await page.locator('.toast', { hasText: 'restored ui-base' }).waitFor();
    assert.equal((await ddb('Scan', { TableName: 'Faults', ConsistentRead: true })).Count, before);
    await entry.locator('button[name=delete-snapshot]').click();
    await entry.waitFor({ state: 'detached' });
  });

  await t.test('bit rot: flip a bit on one replica, scrub reports it and repairs it', async () => {
    const row = page.locator('.table-card[data-table="local_us-east-1/Faults"] tbody tr').first();
    await row.waitFor();
    // The archiver runs every second: the archived LSN shows up.
    await page.waitForFunction(() => {
      const r = document.querySelector('.table-card[data-table="local_us-east-1/Faults"] tbody tr');
      return r && Number(r.querySelector('td.archived').textContent) > 0;
    }, null, { timeout: kWaitMs });
    const victim = await row.locator('select[name=bit-rot-node]').inputValue();
    assert.ok(victim.startsWith('az-'), 'a replica is chosen for bit rot');
    const flipped = page.waitForResponse((r) => r.url().endsWith('/admin/bit-rot'));
    await row.locator('button[name=bit-rot]').click();
    assert.equal((await flipped).status(), 200);
    const scrubbed = page.waitForResponse((r) => r.url().endsWith('/admin/scrub'), { timeout: kWaitMs });
    await page.click('#scrub button[name=scrub-now]');
    assert.equal((await scrubbed).status(), 200);
    // Within two seconds the page shows the alarm and the repair.
    const first = page.locator('.table-card[data-table="local_us-east-1/Faults"] tbody tr').first();
    await first.locator('td.scrub-result[data-scrub=repaired]').waitFor({ timeout: 2000 });
    await page.locator('#scrub-alarms li[data-kind=replica-mismatch]', { hasText: victim }).first().waitFor({ timeout: 2000 });
    await page.locator('#scrub-alarms li[data-kind=replica-repaired]', { hasText: victim }).first().waitFor({ timeout: 2000 });
    await page.screenshot({ path: join(shots, 'ddb-local-ui-scrub.png'), fullPage: true });
    // Scrubbed again, every partition is ok, and the data reads back whole.
    const again = page.waitForResponse((r) => r.url().endsWith('/admin/scrub'), { timeout: kWaitMs });
    await page.click('#scrub button[name=scrub-now]');
    const report = await (await again).json();
    assert.ok(report.partitions.length > 0);
    for (const p of report.partitions) assert.equal(p.result, 'ok', JSON.stringify(p));
    await first.locator('td.scrub-result[data-scrub=ok]').waitFor({ timeout: 2000 });
    const scan = await ddb('Scan', { TableName: 'Faults', ConsistentRead: true });
    assert.ok(scan.Count >= 30);
  });

  await t.test('the page raised no script error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
