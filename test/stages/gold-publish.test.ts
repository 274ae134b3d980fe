import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runBronze } from '../../src/pipeline/bronze.js';
import { RunContext } from '../../src/pipeline/context.js';
import { runCommit } from '../../src/pipeline/commit.js';
import { partitionObject, runGold, tableObject } from '../../src/pipeline/gold/index.js';
import { readStates } from '../../src/pipeline/states.js';
import { runPublish } from '../../src/pipeline/publish.js';
import { runSilver } from '../../src/pipeline/silver/index.js';
import { SqliteServingStore } from '../../src/serving/sqlite.js';
import { lakeRows } from '../support/lake-rows.js';
import { tinyProject, type Tiny } from '../support/tiny.js';

// Gold and publish alone on a silver built from hand-written files: each table's rows by hand.

describe('gold and publish', () => {
  let tiny: Tiny;
  let serving: SqliteServingStore;
  const stage = async <T>(fn: (ctx: RunContext) => Promise<T>): Promise<T> => {
    const ctx = tiny.context();
    try {
      return await fn(ctx);
    } finally {
      await ctx.close();
    }
  };
  const committed = () => readStates(tiny.lake, tiny.config.project);
  const upToSilver = async () => {
    await stage(async (ctx) => {
      await runBronze(ctx);
      await runSilver(ctx);
      await runCommit(ctx);
    });
  };
  const gold = () => stage(async (ctx) => {
    const result = await runGold(ctx);
    await runCommit(ctx);
    return result;
  });

  before(async () => {
    tiny = await tinyProject();
    serving = new SqliteServingStore(tiny.config.servingDbPath);
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,France\n2,Bob,Spain\n3,Cy,\n');
    await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n10,1,2026-01-05,12.50\n11,2,2026-01-20,7.25\n12,1,2026-02-03,30.00\n13,3,2026-02-04,1.00\n');
    await upToSilver();
  });
  after(async () => {
    await serving.close();
    await tiny.cleanup();
  });

  test('the partitioned model is one object per month of its dataset; the KPI reads it whole', async () => {
    const result = await gold();
    const state = (await committed()).gold!;
    assert.equal(state.objects['fact_orders']!.length, 2);
    assert.match(partitionObject(state, 'fact_orders', 'month=2026-01')!, /^fact_orders\/month=2026-01\//);
    assert.deepEqual(state.tables, { fact_orders: 4, kpi_revenue_by_country: 3 });
    const january = await lakeRows(tiny.lake, 'gold', [partitionObject(state, 'fact_orders', 'month=2026-01')!], 'SELECT order_id, country FROM t ORDER BY order_id');
    assert.deepEqual(january, [{ order_id: 10, country: 'France' }, { order_id: 11, country: 'Spain' }]);
    // A missing country is a group of its own, as SQL says.
    assert.deepEqual(await lakeRows(tiny.lake, 'gold', [tableObject(state, 'kpi_revenue_by_country')]), [
      { country: 'France', orders: 2, revenue: 42.5 },
      { country: 'Spain', orders: 1, revenue: 7.25 },
      { country: null, orders: 1, revenue: 1 },
    ]);
    assert.equal(result.details['partitions'], 2);
  });

  test('silver unchanged: gold is skipped; a new order in February rebuilds February only', async () => {
    const january = partitionObject((await committed()).gold, 'fact_orders', 'month=2026-01');
    assert.match(String((await gold()).details['skipped']), /unchanged/);
    await tiny.drop('orders_more.csv', 'order_id,customer_id,day,amount\n14,2,2026-02-10,5.00\n');
    await upToSilver();
    const result = await gold();
    assert.equal(result.details['partitionsKept'], 1, 'January kept as it was');
    assert.equal(partitionObject((await committed()).gold, 'fact_orders', 'month=2026-01'), january, 'the same object');
    const kpi = await lakeRows(tiny.lake, 'gold', [tableObject((await committed()).gold, 'kpi_revenue_by_country')], "SELECT orders, revenue FROM t WHERE country = 'Spain'");
    assert.deepEqual(kpi, [{ orders: 2, revenue: 12.25 }]);
  });

  test("a KPI's SQL changed: the KPI is built again, the fact keeps every month's object", async () => {
    const before = (await committed()).gold!;
    const kpis = tiny.config.project.kpis.map((k) => ({ ...k, sql: `-- edited\n${k.sql}` }));
    const ctx = new RunContext({ ...tiny.config, project: { ...tiny.config.project, kpis } }, tiny.lake);
    let result;
    try {
      result = await runGold(ctx);
      await runCommit(ctx);
    } finally {
      await ctx.close();
    }
    const after = (await committed()).gold!;
    assert.equal(result.details['partitionsKept'], 2, JSON.stringify(result.details));
    assert.deepEqual(after.objects['fact_orders'], before.objects['fact_orders']);
    assert.notEqual(tableObject(after, 'kpi_revenue_by_country'), tableObject(before, 'kpi_revenue_by_country'));
  });

  test('publish puts the KPI in the serving store under the run that built gold, once', async () => {
    const first = await stage((ctx) => runPublish(ctx, serving));
    assert.equal(first.rowsOut, 3);
    const { gold: built, version } = await committed();
    assert.equal((await serving.lastPublish())!.runId, built!.runId);
    assert.equal((await serving.lastPublish())!.data!.version, version!.version, 'the store records the lake version');
    assert.deepEqual(await serving.read('kpi_revenue_by_country'), [
      { country: 'France', orders: 2, revenue: 42.5 },
      { country: 'Spain', orders: 2, revenue: 12.25 },
      { country: null, orders: 1, revenue: 1 },
    ]);
    const again = await stage((ctx) => runPublish(ctx, serving));
    assert.match(String(again.details['skipped']), /already has version \d+ \(gold of run/);
  });
});

describe('gold partitions built in one process', () => {
  test('a partition the SQL keeps no row of is a typed, empty object; SQL that starts with WITH or ends with a comment is built as written', async () => {
    const tiny = await tinyProject({
      'models/late_orders.sql': 'WITH late AS (SELECT * FROM orders WHERE day >= DATE \'2026-02-01\')\nSELECT order_id, day, amount FROM late -- February on',
      'models/late_orders.yml': 'description: Orders from February.\npartitioned_by: orders\n',
      'models/customer_names.sql': 'SELECT id, name FROM customers -- every customer',
    });
    try {
      await tiny.drop('customers.csv', 'id,name,country\n1,Ann,France\n');
      await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n10,1,2026-01-05,12.50\n12,1,2026-02-03,30.00\n13,1,2026-02-04,1.00\n');
      await tiny.commitAfter(async (ctx) => {
        await runBronze(ctx);
        await runSilver(ctx);
        await runGold(ctx);
      });
      const state = (await readStates(tiny.lake, tiny.config.project)).gold!;
      assert.deepEqual(state.partitions?.['month=2026-01']?.rows, { fact_orders: 1, late_orders: 0 });
      assert.equal(state.tables['late_orders'], 2);
      const january = partitionObject(state, 'late_orders', 'month=2026-01')!;
      assert.deepEqual(await lakeRows(tiny.lake, 'gold', [january], "SELECT string_agg(column_name || ' ' || column_type, ', ') AS columns FROM (DESCRIBE t)"), [
        { columns: 'order_id BIGINT, day DATE, amount DECIMAL(18,2)' },
      ]);
      assert.deepEqual(await lakeRows(tiny.lake, 'gold', [partitionObject(state, 'late_orders', 'month=2026-02')!], 'SELECT order_id FROM t ORDER BY 1'), [{ order_id: 12 }, { order_id: 13 }]);
      assert.equal(state.tables['customer_names'], 1);
      // One more February order: February alone is built again, by the one-partition path.
      await tiny.drop('orders_more.csv', 'order_id,customer_id,day,amount\n14,1,2026-02-10,5.00\n');
      const again = await tiny.commitAfter(async (ctx) => {
        await runBronze(ctx);
        await runSilver(ctx);
        return runGold(ctx);
      });
      assert.equal(again.details['partitionsKept'], 1);
      const after = (await readStates(tiny.lake, tiny.config.project)).gold!;
      assert.equal(partitionObject(after, 'late_orders', 'month=2026-01'), january);
      assert.deepEqual(await lakeRows(tiny.lake, 'gold', [partitionObject(after, 'late_orders', 'month=2026-02')!], 'SELECT order_id FROM t ORDER BY 1'), [{ order_id: 12 }, { order_id: 13 }, { order_id: 14 }]);
    } finally {
      await tiny.cleanup();
    }
  });
});
