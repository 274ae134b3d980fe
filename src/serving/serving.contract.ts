import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KpiTable, ServingStore } from './store.js';

const table = (name: string, n: number, marker: string): KpiTable => ({
  table: name,
  columns: [
    { name: 'label', type: 'string' },
    { name: 'n', type: 'integer' },
    { name: 'amount', type: 'number' },
    { name: 'day', type: 'date' },
  ],
  rows: Array.from({ length: n }, (_, i) => ({ label: marker, n: i, amount: i + 0.25, day: '2026-01-31' })),
});

/** The behaviour every serving store must have; run against each implementation. */
export function servingStoreContract(name: string, open: () => Promise<{ store: ServingStore; close: () => Promise<void> }>): void {
  describe(`ServingStore contract: ${name}`, () => {
    let store: ServingStore;
    let close: () => Promise<void>;
    before(async () => ({ store, close } = await open()));
    after(async () => close());

    test('nothing is published at first', async () => {
      assert.equal(await store.lastPublish(), undefined);
      assert.equal(await store.version(), undefined);
      assert.equal(await store.read('kpi_a'), undefined);
    });

    test('publish stores every table with its typed values, in order', async () => {
      const info = await store.publish('run-1', [table('kpi_a', 3, 'A'), table('kpi_b', 1, 'A')]);
      assert.deepEqual(info.tables, { kpi_a: 3, kpi_b: 1 });
      assert.deepEqual(await store.read('kpi_a'), [
        { label: 'A', n: 0, amount: 0.25, day: '2026-01-31' },
        { label: 'A', n: 1, amount: 1.25, day: '2026-01-31' },
        { label: 'A', n: 2, amount: 2.25, day: '2026-01-31' },
      ]);
      const last = await store.lastPublish();
      assert.equal(last?.runId, 'run-1');
      // What the API compares a KPI's declaration with: the columns of each table, in order, typed.
      assert.deepEqual(last?.columns, { kpi_a: ['label:string', 'n:integer', 'amount:number', 'day:date'], kpi_b: ['label:string', 'n:integer', 'amount:number', 'day:date'] });
      assert.ok(!Number.isNaN(Date.parse(last!.publishedAt)));
    });

    test('limit and offset page through a table', async () => {
      assert.deepEqual((await store.read('kpi_a', { limit: 1, offset: 1 }))?.map((r) => r['n']), [1]);
      assert.deepEqual((await store.read('kpi_a', { offset: 2 }))?.map((r) => r['n']), [2]);
    });

    test('conditions filter rows; the version changes with each publish', async () => {
      const v1 = await store.version();
      assert.ok(v1);
      assert.deepEqual((await store.read('kpi_a', { where: [{ column: 'n', op: '>=', value: 1 }] }))?.map((r) => r['n']), [1, 2]);
      assert.deepEqual((await store.read('kpi_a', { where: [{ column: 'n', op: '>=', value: 1 }, { column: 'n', op: '<=', value: 1 }] }))?.map((r) => r['n']), [1]);
      assert.deepEqual(await store.read('kpi_a', { where: [{ column: 'label', op: '=', value: 'nope' }] }), []);
      await store.publish('run-1b', [table('kpi_a', 3, 'A'), table('kpi_b', 1, 'A')]);
      assert.notEqual(await store.version(), v1);
    });

    test('nulls survive a publish', async () => {
      await store.publish('run-2', [{ table: 'kpi_a', columns: [{ name: 'x', type: 'number' }], rows: [{ x: null }, { x: 1.5 }] }]);
      assert.deepEqual(await store.read('kpi_a'), [{ x: null }, { x: 1.5 }]);
    });

    test('a new publish replaces the whole set: a table it no longer has is gone', async () => {
      await store.publish('run-3', [table('kpi_b', 2, 'B')]);
      assert.equal(await store.read('kpi_a'), undefined);
      assert.equal((await store.read('kpi_b'))?.length, 2);
      assert.equal((await store.lastPublish())?.runId, 'run-3');
    });
  });
}

export { table as kpiTableFixture };
