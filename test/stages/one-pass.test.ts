import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { judgedRows } from '../../src/pipeline/judging.js';
import { tailIsClean } from '../../src/pipeline/silver/one-pass.js';
import { runBronze } from '../../src/pipeline/bronze.js';
import { readStates } from '../../src/pipeline/states.js';
import { runSilver, silverObjects, type SilverDatasetStats } from '../../src/pipeline/silver/index.js';
import { lakeRows } from '../support/lake-rows.js';
import { TINY_FILES, tinyProject } from '../support/tiny.js';

// A dataset's first load from one clean file is read and written to silver in one pass; a file with
// anything to set aside takes the usual cleaning. Either way, silver, the quarantine, the counts and
// the quality report must be those of the usual way: each case runs both ways and compares them.

const CUSTOMERS = 'id,name,country\n1,Ann,France\n2,Bob,Spain\n3,Cy,France\n';
const header = 'order_id,customer_id,day,amount\n';
const cleanOrders = (n: number) =>
  header + Array.from({ length: n }, (_, i) => `${100 + i},${1 + (i % 3)},2026-0${1 + (i % 3)}-${String(1 + (i % 28)).padStart(2, '0')},${(i % 50) + 1}.25`).join('\n') + '\n';

interface Outcome {
  stats: SilverDatasetStats;
  quality: unknown;
  rows: Record<string, unknown>[];
  partitions: string[];
  quarantine: Record<string, unknown>[];
  orphans: Record<string, unknown>[];
}

/** A first run of silver on these files, one pass allowed or not. */
async function firstLoad(orders: string, onePass: boolean, files: Record<string, string> = {}): Promise<Outcome> {
  const tiny = await tinyProject(files);
  try {
    await tiny.drop('customers.csv', CUSTOMERS);
    await tiny.drop('orders.csv', orders);
    await tiny.commitAfter((ctx) => runBronze(ctx));
    const result = await tiny.commitAfter((ctx) => runSilver(ctx, { onePass }));
    const { silver, manifest } = await readStates(tiny.lake, tiny.config.project);
    const key = manifest.files.find((f) => f.name === 'orders.csv')!.key;
    const q = silver!.quarantine?.[key];
    const orphansObject = silver!.datasets['orders']!.orphansObject;
    return {
      stats: (result.details['datasets'] as Record<string, SilverDatasetStats>)['orders']!,
      quality: result.details['quality'],
      rows: await lakeRows(tiny.lake, 'silver', silverObjects(silver, 'orders'), 'SELECT order_id, customer_id, CAST(day AS VARCHAR) AS day, CAST(amount AS VARCHAR) AS amount FROM t ORDER BY order_id'),
      partitions: Object.keys(silver!.datasets['orders']!.partitions).sort(),
      quarantine: q ? await lakeRows(tiny.lake, 'silver', [q.key], 'SELECT _record, _line, _reason, _detail FROM t ORDER BY _record NULLS LAST, _line') : [],
      orphans: orphansObject ? await lakeRows(tiny.lake, 'silver', [orphansObject], 'SELECT _record, _reason FROM t ORDER BY _record') : [],
    };
  } finally {
    await tiny.cleanup();
  }
}

/** Runs both ways and checks they agree on everything; returns the one-pass attempt's outcome. */
async function bothWays(orders: string, files: Record<string, string> = {}): Promise<Outcome> {
  const fast = await firstLoad(orders, true, files);
  const usual = await firstLoad(orders, false, files);
  const { onePass: _onePass, ...fastStats } = fast.stats;
  assert.equal(usual.stats.onePass, undefined);
  assert.deepEqual({ ...fast, stats: fastStats }, usual);
  return fast;
}

describe('silver: a first load in one pass', () => {
  test('a clean file is loaded in one pass, with the counts and quality report of the usual way', async () => {
    const fast = await bothWays(cleanOrders(300));
    assert.equal(fast.stats.onePass, true);
    assert.equal(fast.rows.length, 300);
    assert.deepEqual(fast.partitions, ['month=2026-01', 'month=2026-02', 'month=2026-03']);
    assert.equal(fast.stats.rowsIn, 300);
    assert.equal(fast.stats.quarantined, 0);
  });

  const last = (orders: string, line: string) => `${orders}${line}\n`;
  for (const [what, line, reason] of [
    ['a bad amount on the last row', '900,1,2026-01-05,-3.00', 'not_positive:amount'],
    ['a date that is not one on the last row', '900,1,not-a-date,3.00', 'invalid_date:day'],
    ['a repeated key on the last row', '100,2,2026-01-05,9.00', 'duplicate_key:order_id'],
    ['a line with a field too many', '900,1,2026-01-05,3.00,extra', 'malformed_line:too_many_columns'],
  ] as const) {
    test(`${what}: the usual cleaning, the row quarantined with its data row number`, async () => {
      const fast = await bothWays(last(cleanOrders(300), line));
      assert.equal(fast.stats.onePass, undefined);
      assert.equal(fast.quarantine.length, 1);
      assert.equal(fast.quarantine[0]!['_reason'], reason);
      assert.equal(fast.rows.length, 300);
    });
  }

  // A text key has no bitmap to prove it distinct: the rows written are grouped instead.
  const textKey = { 'datasets/orders.yml': TINY_FILES['datasets/orders.yml']!.replace('order_id: { type: integer, required: true }', 'order_id: { type: text, required: true }') };
  test('a text key: a clean file in one pass; a repeated key found by grouping sends it the usual way', async () => {
    assert.notEqual(textKey['datasets/orders.yml'], TINY_FILES['datasets/orders.yml']);
    const clean = await bothWays(cleanOrders(300), textKey);
    assert.equal(clean.stats.onePass, true);
    assert.equal(clean.rows.length, 300);
    const repeated = await bothWays(last(cleanOrders(300), '100,2,2026-01-05,9.00'), textKey);
    assert.equal(repeated.stats.onePass, undefined);
    assert.deepEqual(repeated.quarantine.map((q) => q['_reason']), ['duplicate_key:order_id']);
  });

  test('an order of an unknown customer: the usual cleaning, the row waits for its customer', async () => {
    const fast = await bothWays(last(cleanOrders(300), '900,9,2026-01-05,3.00'));
    assert.equal(fast.stats.onePass, undefined);
    assert.deepEqual(fast.orphans, [{ _record: 301, _reason: 'unknown_reference:customer_id' }]);
  });

  test('an exact duplicate row: the usual cleaning, dropped and counted', async () => {
    const orders = cleanOrders(300);
    const fast = await bothWays(`${orders}${orders.split('\n')[1]}\n`);
    assert.equal(fast.stats.onePass, undefined);
    assert.equal(fast.stats.exactDuplicates, 1);
  });

  test('a failed warning rule: the usual cleaning, the row kept and the rule counted', async () => {
    const orders = TINY_FILES['datasets/orders.yml']!;
    const warnings = { 'datasets/orders.yml': orders.replace('{ rule: positive, column: amount, severity: error }', '{ rule: maximum, column: amount, max: 1000, severity: warn }') };
    assert.notEqual(warnings['datasets/orders.yml'], orders);
    const fast = await bothWays(last(cleanOrders(300), '900,1,2026-01-05,5000.00'), warnings);
    assert.equal(fast.stats.onePass, undefined);
    assert.equal(fast.rows.length, 301);
    const maximum = (fast.quality as { rule: string; failed: number }[]).find((q) => q.rule === 'maximum')!;
    assert.equal(maximum.failed, 1);
  });

  test('the last lines are judged first: a large file with a footer or a cut last line goes the usual way without a pass', async () => {
    const tiny = await tinyProject();
    const ctx = tiny.context();
    try {
      const db = await ctx.db();
      const spec = tiny.config.project.datasets.find((d) => d.name === 'orders')!;
      const file = path.join(tiny.dir, 'orders.csv');
      const judge = (f: string) => judgedRows(db, spec, f, { header: Object.keys(spec.columns) });
      const tailClean = async (text: string) => {
        await fs.writeFile(file, text);
        return tailIsClean(file, path.join(tiny.dir, 'tail.csv'), judge, '_reason IS NOT NULL OR _noted', db);
      };
      const big = cleanOrders(30000);
      assert.ok(big.length > 600 * 1024, 'larger than the tail looked at');
      assert.equal(await tailClean(big), true);
      assert.equal(await tailClean(`${big}Total,,,1234.00\n`), false, 'a footer');
      assert.equal(await tailClean(`${big}900,1,2026-01`), false, 'a last line cut short');
      assert.equal(await tailClean(`${big}"900,1,2026-01-05,3.00\n`), false, 'an unclosed quote');
      // A bad row far from the end is for the pass itself to find.
      const lines = big.split('\n');
      lines[10] = '900,1,not-a-date,3.00';
      assert.equal(await tailClean(lines.join('\n')), true);
      assert.equal(await tailClean(cleanOrders(100) + 'Total,,,5.00\n'), true, 'a small file is not looked at: its pass costs little');
    } finally {
      await ctx.close();
      await tiny.cleanup();
    }
  });

  test('a large file with a footer: the same outcome both ways', async () => {
    const fast = await bothWays(last(cleanOrders(30000), 'Total,,,1234.00'));
    assert.equal(fast.stats.onePass, undefined);
    assert.equal(fast.rows.length, 30000);
  });
});
