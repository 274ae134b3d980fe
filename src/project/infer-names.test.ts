import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { inferCsv } from './infer.js';

// Whole numbers that a column's name says are amounts of money or UTC offsets: numbers, so that the next file's decimals read.

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'infer-names-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-infer-names-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function types(name: string, lines: string[]): Promise<Record<string, string>> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  return Object.fromEntries((await inferCsv(engine, file)).columns.map((c) => [c.name, c.type]));
}

test("whole amounts named as money (Etsy's Shipping Discount of 0s, a Tip, a Refund, Order Net) are numbers; counts, rates and ids stay integers", async () => {
  const header = 'Sale Date,Order ID,Shipping Discount,Order Total,Sales Tax,Tip,Refund,Order Net,Amount Paid,Price USD,Number of Items,total_cases,tax_rate,shipping_days,fee_id';
  const rows = Array.from({ length: 12 }, (_, i) => `01/${10 + i}/24,${3101 + i},0,${24 + i},${i % 3},${i % 2},0,${20 + i},${30 + i},${5 + i},${1 + (i % 3)},${1000 + i * 7},${i % 2 ? 20 : 7},${2 + (i % 4)},${100 + i}`);
  const c = await types('EtsySoldOrders2024-1.csv', [header, ...rows]);
  for (const money of ['shipping_discount', 'order_total', 'sales_tax', 'tip', 'refund', 'order_net', 'amount_paid', 'price_usd']) assert.equal(c[money], 'number', money);
  for (const count of ['order_id', 'number_of_items', 'total_cases', 'tax_rate', 'shipping_days', 'fee_id']) assert.equal(c[count], 'integer', count);
});

test("UTC offsets (Mailchimp's GMTOFF and DSTOFF, a utc_offset) whole in this file are numbers: India's is 5.5", async () => {
  const c = await types('members.csv', ['EUID,GMTOFF,DSTOFF,utc_offset,MEMBER_RATING', 'a1,1,2,-5,3', 'a2,-5,-4,0,2', 'a3,0,1,1,5']);
  assert.deepEqual([c['gmtoff'], c['dstoff'], c['utc_offset'], c['member_rating']], ['number', 'number', 'number', 'integer']);
});
