// Browser test of the cluster view's per-partition figures, against the real
// binary: 5 items put with the AWS CLI show as item counts of the table's
// partitions that add up to 5 (and to 4 after a delete), with their size;
// every partition's leader shows its lease time left, in the partition table
// and on its node card, and followers none; an idle partition's leader shows
// "quiet" (no lease) until a consistent read wakes it. Under a bounded burst of writes
// the charts move; the screenshot $SCREENSHOT_DIR/ddb-local-ui-partitions.png
// (default /tmp) is the one the README shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { admin, aws, client, launchBrowser, startServer, stopServer } from './harness.mjs';

const shots = process.env.SCREENSHOT_DIR || '/tmp';
const kWaitMs = 10000;       // any one UI expectation
const kLeaseMsMax = 220;     // the default lease: 3/4 of the 300 ms election timeout, in 10 ms ticks
const kBurstPolls = 10;      // the write burst behind the screenshot's charts: this many UI polls
const kBurstMs = 15000;

const card = '.table-card[data-table="local_us-east-1/Sizes"]';

test('cluster view: items, size and lease per partition', { timeout: 90000 }, async (t) => {
  const { proc, base } = await startServer();
  let browser;
  t.after(async () => {
    if (browser) await browser.close();
    await stopServer(proc);
  });
  const ddb = client(base);
  const cli = aws(base);
  await ddb('CreateTable', {
    TableName: 'Sizes', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
  });
  browser = await launchBrowser();
  const { page } = browser;
  page.setDefaultTimeout(kWaitMs);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/ui/#cluster`);
  await page.locator(`${card} tbody tr`).first().waitFor();

  // Waits until the table's partitions (all with a leader) hold `n` items.
  async function itemsAddUpTo(n) {
    await page.waitForFunction(([sel, want]) => {
      const rows = [...document.querySelectorAll(`${sel} tbody tr`)];
      if (rows.length === 0 || rows.some((r) => r.dataset.items === '')) return false;
      return rows.reduce((a, r) => a + Number(r.dataset.items), 0) === want;
    }, [card, n]);
  }

  await t.test('an empty table shows 0 items in every partition', async () => {
    await itemsAddUpTo(0);
    const counts = await page.locator(`${card} tbody td.part-items`).allTextContents();
    assert.ok(counts.length >= 2, `partitions: ${counts}`);
    assert.ok(counts.every((c) => c === '0'), `counts: ${counts}`);
  });

  await t.test('5 items put with the AWS CLI add up to 5 over the partitions', async () => {
    const requests = [];
    for (let i = 1; i <= 5; i++) {
      requests.push({ PutRequest: { Item: { id: { S: `item-${i}` }, body: { S: 'x'.repeat(100) } } } });
    }
    const out = await cli('dynamodb', 'batch-write-item', '--request-items', JSON.stringify({ Sizes: requests }));
    assert.deepEqual(out.UnprocessedItems, {});
    await itemsAddUpTo(5);
    // The keys hash over the partitions: more than one holds some.
    const counts = (await page.locator(`${card} tbody td.part-items`).allTextContents()).map(Number);
    assert.ok(counts.filter((c) => c > 0).length >= 2, `counts: ${counts}`);
    await page.locator(`${card} h3 small`).filter({ hasText: '5 items' }).waitFor();
    // Each item is id (2 + 6) and body (4 + 100) bytes: 112, as DynamoDB counts.
    const sizes = await page.locator(`${card} tbody td.part-size`).evaluateAll((tds) => tds.map((td) => td.title));
    assert.equal(sizes.reduce((a, s) => a + Number.parseInt(s, 10), 0), 5 * 112, `sizes: ${sizes}`);
    // The same figures in /admin/cluster.
    const snap = await (await fetch(`${base}/admin/cluster`)).json();
    const table = snap.tables.find((x) => x.name === 'local_us-east-1/Sizes');
    assert.equal(table.partitions.reduce((a, p) => a + p.itemCount, 0), 5);
    assert.equal(table.partitions.reduce((a, p) => a + p.sizeBytes, 0), 5 * 112);

    await cli('dynamodb', 'delete-item', '--table-name', 'Sizes', '--key', '{"id": {"S": "item-3"}}');
    await itemsAddUpTo(4);
  });

  await t.test('an idle leader is quiet; a read-woken one shows its lease time left; followers none', async () => {
    // Idle (300 ms by default), every partition's group goes quiet: its
    // leader gave its lease up.
    await page.waitForFunction((sel) => {
      const tds = [...document.querySelectorAll(`${sel} tbody td.lease`)];
      return tds.length > 0 && tds.every((td) => td.dataset.quiet === 'true' && td.dataset.leaseMs === '0');
    }, card);
    assert.equal(await page.locator(`${card} tbody td.lease`).first().textContent(), 'quiet');
    // Consistent reads of every item wake the leaders, which take a lease
    // again; they are repeated (bounded) until one UI poll shows every lease
    // held, since each group goes quiet again 300 ms after the last read.
    const group = await page.locator(`${card} tbody tr`).first().getAttribute('data-group');
    const leader = await page.locator(`${card} tbody tr`).first().getAttribute('data-leader');
    const allHeld = () => page.evaluate(([sel, name, g]) => {
      const tds = [...document.querySelectorAll(`${sel} tbody td.lease`)];
      const mine = document.querySelector(`.node[data-node="${name}"] tr[data-group="${g}"] .lease`);
      return tds.length > 0 && tds.every((td) => Number(td.dataset.leaseMs) > 0) && mine && Number(mine.dataset.leaseMs) > 0;
    }, [card, leader, group]);
    const deadline = Date.now() + kWaitMs;
    let held = false;
    for (let round = 0; !held && round < 1000 && Date.now() < deadline; round++) {
      for (const id of ['item-1', 'item-2', 'item-4', 'item-5']) {
        await ddb('GetItem', { TableName: 'Sizes', Key: { id: { S: id } }, ConsistentRead: true });
      }
      held = await allHeld();
    }
    assert.ok(held, 'every leader showed a lease while read');
    const leases = await page.locator(`${card} tbody td.lease`).evaluateAll((tds) => tds.map((td) => Number(td.dataset.leaseMs)));
    for (const ms of leases) assert.ok(ms > 0 && ms <= kLeaseMsMax, `lease ${ms} ms`);
    assert.match(await page.locator(`${card} tbody td.lease`).first().textContent(), /^\d+ ms$/);
    const followers = page.locator(`.node:not([data-node="${leader}"]) tr[data-group="${group}"] .lease`);
    assert.ok(await followers.count() >= 2);
    for (const ms of await followers.evaluateAll((els) => els.map((el) => el.dataset.leaseMs))) assert.equal(ms, '0');
    assert.equal(await followers.first().textContent(), '');
    // A replica's items on its node card: the leader's equals the partition's.
    const partitionItems = await page.locator(`${card} tbody tr`).first().getAttribute('data-items');
    await page.locator(`.node[data-node="${leader}"] tr[data-group="${group}"] .replica-items[data-items="${partitionItems}"]`)
      .filter({ hasText: `${partitionItems} items` }).waitFor();
  });

  await t.test('a leader powered off: a new leader is elected (with a lease, or quiet once idle)', async () => {
    const first = page.locator(`${card} tbody tr`).first();
    const group = await first.getAttribute('data-group');
    const victim = await first.getAttribute('data-leader');
    await admin(base, 'power-off', { target: victim });
    await page.waitForFunction(([sel, g, down]) => {
      const r = document.querySelector(`${sel} tbody tr[data-group="${g}"]`);
      const td = r && r.querySelector('td.lease');
      return r && r.dataset.leader && r.dataset.leader !== down && (Number(td.dataset.leaseMs) > 0 || td.dataset.quiet === 'true');
    }, [card, group, victim]);
    await itemsAddUpTo(4);  // the new leader holds every acknowledged write
    await admin(base, 'power-on', { target: victim });
    await page.locator('.node[data-up=true]').nth(5).waitFor();
  });

  await t.test('under a burst of writes the charts move (the README screenshot)', async () => {
    // Writes between polls, so that every poll samples a rate; bounded in
    // polls and in time.
    const deadline = Date.now() + kBurstMs;
    let written = 0;
    for (let poll = 0; poll < kBurstPolls && Date.now() < deadline; poll++) {
      const polled = page.waitForResponse((r) => r.url() === `${base}/admin/cluster`);
      for (let b = 0; b < 2; b++) {
        const batch = [];
        for (let i = 0; i < 25; i++) batch.push({ PutRequest: { Item: { id: { S: `burst-${written + i}` }, n: { N: String(written + i) } } } });
        await ddb('BatchWriteItem', { RequestItems: { Sizes: batch } });
        await ddb('GetItem', { TableName: 'Sizes', Key: { id: { S: `burst-${written}` } } });
        await ddb('Scan', { TableName: 'Sizes', Limit: 10 });
        written += batch.length;
      }
      await polled;
    }
    assert.equal(written, kBurstPolls * 50, 'the burst finished in time');
    await itemsAddUpTo(4 + written);
    await page.screenshot({ path: join(shots, 'ddb-local-ui-partitions.png'), fullPage: true });
  });

  await t.test('the page raised no script error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
