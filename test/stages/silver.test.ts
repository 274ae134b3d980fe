import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runBronze } from '../../src/pipeline/bronze.js';
import { readStates } from '../../src/pipeline/states.js';
import type { RunContext, StageResult } from '../../src/pipeline/context.js';
import { runSilver, silverObjects, type SilverDatasetStats } from '../../src/pipeline/silver/index.js';
import { lakeRows } from '../support/lake-rows.js';
import { tinyProject, type Tiny } from '../support/tiny.js';

// Silver alone on hand-written bronze files: typed rows by key and month, every rejected row in a
// quarantine with its reason, rows waiting for their reference until it arrives.

describe('silver', () => {
  let tiny: Tiny;
  const stage = <T>(fn: (ctx: RunContext) => Promise<T>): Promise<T> => tiny.commitAfter(fn);
  const silver = () => stage((ctx) => runSilver(ctx));
  const committed = () => readStates(tiny.lake, tiny.config.project);
  const orders = async () => lakeRows(tiny.lake, 'silver', silverObjects((await committed()).silver, 'orders'), 'SELECT order_id, customer_id, CAST(day AS VARCHAR) AS day, CAST(amount AS VARCHAR) AS amount FROM t ORDER BY order_id');

  before(async () => {
    tiny = await tinyProject();
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,France\n2,Bob,Spain\n3,Cy,France\n');
    await tiny.drop(
      'orders_2026-01.csv',
      'order_id,customer_id,day,amount\n10,1,2026-01-05,12.50\n11,2,2026-01-20,7.25\n12,9,2026-01-21,5.00\n13,3,2026-01-22,-3.00\n14,1,not-a-date,1.00\n',
    );
    await stage((ctx) => runBronze(ctx));
    // A later file repeats order 10: its row replaces the earlier one. Its last line has a field too many.
    await tiny.drop('orders_2026-02.csv', 'order_id,customer_id,day,amount\n15,3,2026-02-01,100.00\n10,1,2026-01-05,20.00\n16,3,2026-02-02,1.00,extra\n');
    await stage((ctx) => runBronze(ctx));
  });
  after(() => tiny.cleanup());

  let result: StageResult;
  test('merges the files in arrival order: one typed row per key, in a folder per month', async () => {
    result = await silver();
    assert.deepEqual(await orders(), [
      { order_id: 10, customer_id: 1, day: '2026-01-05', amount: '20.00' },
      { order_id: 11, customer_id: 2, day: '2026-01-20', amount: '7.25' },
      { order_id: 15, customer_id: 3, day: '2026-02-01', amount: '100.00' },
    ]);
    const { silver: state, manifest } = await committed();
    assert.ok(state);
    assert.deepEqual(Object.keys(state.datasets['orders']!.partitions).sort(), ['month=2026-01', 'month=2026-02']);
    assert.equal(state.datasets['customers']!.rows, 3);
    assert.deepEqual([...state.processed].sort(), manifest.files.map((f) => f.key).sort());
  });

  test('every rejected row is in a quarantine with its reason, and every row is accounted for', async () => {
    const { manifest, silver } = await committed();
    const first = manifest.files.find((f) => f.name === 'orders_2026-01.csv')!;
    const rejected = await lakeRows(tiny.lake, 'silver', [silver!.quarantine![first.key]!.key], 'SELECT _record, _reason FROM t ORDER BY _record');
    assert.deepEqual(rejected, [
      { _record: 4, _reason: 'not_positive:amount' },
      { _record: 5, _reason: 'invalid_date:day' },
    ]);
    const waiting = await lakeRows(tiny.lake, 'silver', [silver!.datasets['orders']!.orphansObject!], 'SELECT CAST(order_id AS INTEGER) AS order_id, CAST(customer_id AS INTEGER) AS customer_id FROM t');
    assert.deepEqual(waiting, [{ order_id: 12, customer_id: 9 }]);
    const second = manifest.files.find((f) => f.name === 'orders_2026-02.csv')!;
    const malformed = await lakeRows(tiny.lake, 'silver', [silver!.quarantine![second.key]!.key], 'SELECT _record, _line, _reason FROM t');
    assert.deepEqual(malformed, [{ _record: null, _line: 4, _reason: 'malformed_line:too_many_columns' }]);
    // One schema for every quarantine object, a malformed line's number and a waiting row's alike.
    for (const key of [silver!.quarantine![first.key]!.key, silver!.quarantine![second.key]!.key, silver!.datasets['orders']!.orphansObject!]) {
      const types = await lakeRows(tiny.lake, 'silver', [key], "SELECT column_name, column_type FROM (DESCRIBE t) WHERE column_name IN ('_record', '_line')");
      assert.deepEqual(types, [{ column_name: '_record', column_type: 'BIGINT' }, { column_name: '_line', column_type: 'BIGINT' }], key);
    }
    const stats = (result.details['datasets'] as Record<string, SilverDatasetStats>)['orders']!;
    assert.equal(stats.rowsIn, 8);
    assert.equal(stats.quarantined, 4, 'two rejected rows, a malformed line and one waiting for its customer');
    assert.equal(stats.superseded, 1, 'the first order 10, replaced by the later file of the same run');
    assert.equal(stats.replaced, 0, 'no row of an earlier run replaced');
    assert.equal(stats.rowsIn, stats.rowsOut + stats.quarantined + stats.exactDuplicates + stats.emptyRows + stats.superseded);
  });

  test('nothing new: skipped, silver untouched', async () => {
    const before = await orders();
    const again = await silver();
    assert.match(String(again.details['skipped']), /no new bronze file/);
    assert.deepEqual(await orders(), before);
  });

  test('the missing customer arrives: the waiting order joins silver and leaves the quarantine', async () => {
    await tiny.drop('customers_new.csv', 'id,name,country\n9,Dee,Italy\n');
    await stage((ctx) => runBronze(ctx));
    await silver();
    assert.deepEqual((await orders()).map((r) => r['order_id']), [10, 11, 12, 15]);
    assert.equal((await committed()).silver!.datasets['orders']!.orphansObject, undefined, 'no row waits any more');
  });
});
