import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuditError } from '../../src/errors.js';
import { currentVersion, readStaged } from '../../src/lake/index.js';
import { runBronze } from '../../src/pipeline/bronze.js';
import { runCommit } from '../../src/pipeline/commit.js';
import type { RunContext } from '../../src/pipeline/context.js';
import { runGold } from '../../src/pipeline/gold/index.js';
import { runSilver } from '../../src/pipeline/silver/index.js';
import { tinyProject, type Tiny } from '../support/tiny.js';

/** Bronze to commit on the tiny project: the commit's result carries the audit. */
async function auditedRun(tiny: Tiny) {
  const ctx: RunContext = tiny.context();
  try {
    await runBronze(ctx);
    await runSilver(ctx);
    await runGold(ctx);
    return await runCommit(ctx);
  } finally {
    await ctx.close();
  }
}

// The commit's audit alone: a model's declared tests on the version a run built, against the version before.

describe('audit before commit', () => {
  let tiny: Tiny;
  const pipeline = () => auditedRun(tiny);

  before(async () => {
    tiny = await tinyProject({
      'models/fact_orders.yml': 'description: Orders with their country.\npartitioned_by: orders\ntests:\n  - unique: order_id\n  - not_null: country\n  - row_count_change: { max_pct: 50 }\n',
    });
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,France\n2,Bob,Spain\n');
    await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n1,1,2026-01-05,1.00\n2,1,2026-01-06,2.00\n3,2,2026-01-07,3.00\n4,2,2026-01-08,4.00\n');
  });
  after(() => tiny.cleanup());

  test('the first version passes every test (no earlier row count to compare with)', async () => {
    const result = await pipeline();
    assert.equal(result.details['version'], 1);
    const checks = result.details['audit'] as { check: string; passed: boolean; detail: string }[];
    assert.deepEqual(checks.map((c) => [c.check, c.passed]), [['unique(order_id)', true], ['not_null(country)', true], ['row_count_change', true]]);
  });

  test('a file that more than doubles the fact table fails row_count_change: nothing committed, the version staged', async () => {
    const more = Array.from({ length: 5 }, (_, i) => `${10 + i},1,2026-01-1${i},5.00`).join('\n');
    await tiny.drop('orders_more.csv', `order_id,customer_id,day,amount\n${more}\n`);
    await assert.rejects(pipeline(), (err: unknown) => {
      assert.ok(err instanceof AuditError);
      assert.deepEqual(err.failed.map((f) => [f.table, f.check, f.detail]), [['fact_orders', 'row_count_change', '4 → 9 rows (125.0 % change, at most 50 % allowed)']]);
      return true;
    });
    assert.equal((await currentVersion(tiny.lake))!.version, 1, 'nothing committed');
  });

  test('a missing country fails not_null, with the count in its detail', async () => {
    // The extra orders stay (bronze keeps what the sources bucket holds): this run fails on both tests.
    await tiny.drop('orders_nowhere.csv', 'order_id,customer_id,day,amount\n20,3,2026-01-20,1.00\n');
    await tiny.drop('customers_nowhere.csv', 'id,name,country\n3,Cy,\n');
    const ctx = tiny.context();
    await assert.rejects(
      (async () => {
        try {
          await runBronze(ctx);
          await runSilver(ctx);
          await runGold(ctx);
          await runCommit(ctx);
        } finally {
          await ctx.close();
        }
      })(),
      /fact_orders: not_null\(country\): 1 of 10 rows have no country; fact_orders: row_count_change: 4 → 10 rows/,
    );
    assert.ok(await readStaged(tiny.lake, ctx.runId), 'staged for approval');
  });
});

describe('audit of a version that keeps objects of the one before', () => {
  let tiny: Tiny;
  const pipeline = () => auditedRun(tiny);
  const audit = (result: Awaited<ReturnType<typeof pipeline>>) => (result.details['audit'] as { check: string; passed: boolean; detail: string }[]).find((c) => c.check === 'unique(amount)')!;

  before(async () => {
    // Amounts unique across the fact: each month is an object of its own, so a new month is checked against the kept ones.
    tiny = await tinyProject({ 'models/fact_orders.yml': 'description: Orders with their country.\npartitioned_by: orders\ntests:\n  - unique: amount\n' });
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,France\n2,Bob,Spain\n');
    await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n1,1,2026-01-05,1.00\n2,1,2026-01-06,2.00\n3,2,2026-01-07,3.00\n');
  });
  after(() => tiny.cleanup());

  test('the first version checks every row and records the checks it passed', async () => {
    const result = await pipeline();
    assert.equal(audit(result).detail, '3 rows, no amount twice');
    assert.deepEqual((await currentVersion(tiny.lake))!.checks, ['fact_orders:unique(amount)']);
  });

  test('a new month is checked against the kept months: a new amount passes', async () => {
    await tiny.drop('orders_feb.csv', 'order_id,customer_id,day,amount\n4,2,2026-02-01,7.00\n');
    const result = await pipeline();
    assert.equal(audit(result).detail, '4 rows, no amount twice (the new objects checked against those kept from the version before)');
  });

  test('an amount of a kept month repeated in a new month fails the check', async () => {
    await tiny.drop('orders_mar.csv', 'order_id,customer_id,day,amount\n5,1,2026-03-01,2.00\n6,1,2026-03-02,9.00\n');
    await assert.rejects(pipeline(), (err: unknown) => {
      assert.ok(err instanceof AuditError);
      assert.deepEqual(err.failed.map((f) => f.detail), ['1 values of amount appear more than once (the new objects checked against those kept from the version before)']);
      return true;
    });
    assert.equal((await currentVersion(tiny.lake))!.version, 2, 'nothing committed');
  });
});

describe('unique on an integer column, first version', () => {
  let tiny: Tiny;
  before(async () => {
    // customer_id repeats across orders: the bitmap sees fewer distinct values than rows, the grouping counts them.
    tiny = await tinyProject({
      'models/fact_orders.sql': 'SELECT o.order_id, o.customer_id, o.day, o.amount, c.country\nFROM orders o\nLEFT JOIN customers c ON c.id = o.customer_id\n',
      'models/fact_orders.yml': 'description: Orders with their country.\npartitioned_by: orders\ntests:\n  - unique: customer_id\n  - unique: order_id\n',
    });
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,France\n2,Bob,Spain\n3,Cy,Italy\n');
    await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n1,1,2026-01-05,1.00\n2,1,2026-02-06,2.00\n3,2,2026-01-07,3.00\n4,2,2026-01-08,4.00\n5,3,2026-01-09,5.00\n');
  });
  after(() => tiny.cleanup());

  test('values repeated across partitions fail it with their count; distinct ones (order_id) pass', async () => {
    await assert.rejects(auditedRun(tiny), (err: unknown) => {
      assert.ok(err instanceof AuditError, String(err));
      assert.deepEqual(err.failed.map((f) => [f.check, f.detail]), [['unique(customer_id)', '2 values of customer_id appear more than once']]);
      return true;
    });
  });
});

describe('unique on an integer column of a version that keeps objects of the one before', () => {
  let tiny: Tiny;
  const pipeline = () => auditedRun(tiny);
  const audit = (result: Awaited<ReturnType<typeof pipeline>>) => (result.details['audit'] as { check: string; passed: boolean; detail: string }[]).find((c) => c.check === 'unique(cents)')!;
  const orders = (rows: [number, string, string][]) => `order_id,customer_id,day,amount\n${rows.map(([id, day, amount]) => `${id},1,${day},${amount}`).join('\n')}\n`;

  before(async () => {
    // Amounts in cents, unique across the fact (not the key, so a later file adds rows rather than
    // replacing them). Each month is an object: January's cents are 1, 3 and 5, February's 10 to 12,
    // March's 100 to 102.
    tiny = await tinyProject({
      'models/fact_orders.sql': 'SELECT o.order_id, o.customer_id, o.day, o.amount, CAST(o.amount * 100 AS BIGINT) AS cents, c.country\nFROM orders o\nLEFT JOIN customers c ON c.id = o.customer_id\n',
      'models/fact_orders.yml': 'description: Orders with their country.\npartitioned_by: orders\ntests:\n  - unique: cents\n',
    });
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,France\n2,Bob,Spain\n');
    await tiny.drop('orders.csv', orders([[1, '2026-01-05', '0.01'], [2, '2026-01-06', '0.03'], [3, '2026-01-07', '0.05'], [4, '2026-02-05', '0.10'], [5, '2026-02-06', '0.11'], [6, '2026-02-07', '0.12'], [7, '2026-03-05', '1.00'], [8, '2026-03-06', '1.01'], [9, '2026-03-07', '1.02']]));
    assert.equal(audit(await pipeline()).detail, '9 rows, no cents twice');
  });
  after(() => tiny.cleanup());

  test('new values outside every kept range: no kept object is read', async () => {
    await tiny.drop('orders_apr.csv', orders([[10, '2026-04-01', '2.00'], [11, '2026-04-02', '2.01']]));
    assert.equal(audit(await pipeline()).detail, '11 rows, no cents twice (the new objects checked against 0 of the 3 kept from the version before, those whose cents values overlap theirs)');
  });

  test('a new value inside a kept range but not in it passes; only the overlapping kept object is read', async () => {
    await tiny.drop('orders_may.csv', orders([[12, '2026-05-01', '0.04']]));
    assert.equal(audit(await pipeline()).detail, '12 rows, no cents twice (the new objects checked against 1 of the 4 kept from the version before, those whose cents values overlap theirs)');
  });

  test('a value of a kept month repeated in a new month fails the check', async () => {
    await tiny.drop('orders_jun.csv', orders([[13, '2026-06-01', '0.11'], [14, '2026-06-02', '3.00']]));
    await assert.rejects(pipeline(), (err: unknown) => {
      assert.ok(err instanceof AuditError, String(err));
      assert.deepEqual(err.failed.map((f) => f.detail), ['1 values of cents appear more than once (the new objects checked against those kept from the version before)']);
      return true;
    });
    assert.equal((await currentVersion(tiny.lake))!.version, 3, 'nothing committed');
  });
});
