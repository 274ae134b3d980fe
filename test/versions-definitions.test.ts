import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../src/config.js';
import { runFlow } from '../src/flows/run-flow.js';
import { readRun, RunRecorder, newRunRecord } from '../src/flows/record.js';
import { rollback } from '../src/flows/versions.js';
import { listVersions, openObjectStore } from '../src/lake/index.js';
import { openServingStore } from '../src/serving/index.js';
import { startApi } from './support/api.js';
import { tinyProject, TINY_FILES, type Tiny } from './support/tiny.js';

// A version keeps the gold tables it was built with, while the KPI files go on changing: a rollback
// to a version built before a KPI was added, or before a KPI column was renamed, could be committed
// and then not published. It is refused before anything is committed, in one line naming the KPI and
// the column; publish and `?version=N` say the same in words, and no error served names a server path.

const ORDER_COUNT = `title: Orders
description: How many orders.
sql: SELECT count(*) AS n FROM fact_orders
columns:
  n: { type: integer, label: Orders }
chart: { type: cards }
`;
const RENAMED = TINY_FILES['kpis/revenue_by_country.yml']!.replace('AS revenue\n', 'AS revenue_eur\n').replace('  revenue: {', '  revenue_eur: {');

describe('rollback and publish against the KPIs as declared now', () => {
  let tiny: Tiny;
  /** The project as its files are now (each command loads them again, as the CLI does). */
  const config = (): Config => loadConfig({ DATALAKE_PROJECT: tiny.dir, DUCKDB_THREADS: '1', TASK_RETRY_DELAY_MS: '50' });
  const kpiFile = (id: string) => path.join(tiny.dir, 'kpis', `${id}.yml`);
  const run = async (flow: 'pipeline' | 'gold_ingestion_flow' | 'publish_flow' = 'pipeline') => {
    const { summary, error } = await runFlow({ config: config(), flow });
    assert.equal(error, undefined, String(error));
    return summary;
  };
  const storeVersion = async () => {
    const serving = openServingStore(config());
    try {
      return (await serving.lastPublish())?.data?.version;
    } finally {
      await serving.close();
    }
  };

  before(async () => {
    tiny = await tinyProject();
    await tiny.drop('customers.csv', 'id,name,country\n1,Ann,FR\n2,Bob,DE\n');
    await tiny.drop('orders.csv', 'order_id,customer_id,day,amount\n10,1,2026-01-05,12.50\n11,2,2026-02-01,7.00\n');
    await run(); // version 1: revenue_by_country only
    await fs.writeFile(kpiFile('order_count'), ORDER_COUNT);
    await run(); // version 2: order_count added
  });
  after(() => tiny.cleanup());

  test('a rollback to a version built before a KPI was added is refused before committing, and its hint works', async () => {
    const runsBefore = (await tiny.lake.list('runs', '')).length;
    const { record, version, error } = await rollback(config(), 1);
    assert.equal(version, undefined);
    assert.match(
      String((error as Error).message),
      /^cannot roll back: version 1 has no gold table for KPI order_count \(kpis\/order_count\.yml is newer than the data it holds\)\. Its KPIs cannot be published as the project declares them now, which would leave the serving store behind the lake: nothing was committed$/,
    );
    assert.match(String((error as { hint?: string }).hint), /^to roll back anyway, first move kpis\/order_count\.yml out of the project; after the rollback, restore it and run `datalake gold` then `datalake publish`/);
    assert.deepEqual(await listVersions(tiny.lake), [1, 2], 'nothing committed');
    assert.equal(await storeVersion(), 2, 'the store still follows the lake');
    assert.equal(await readRun(tiny.lake, record.runId), undefined, 'a refusal, not a failed run');
    assert.equal((await tiny.lake.list('runs', '')).length, runsBefore);

    // What the hint says, done: the lake at version 1's data, order_count built from it and served.
    const kept = await fs.readFile(kpiFile('order_count'), 'utf8');
    await fs.rm(kpiFile('order_count'));
    const back = await rollback(config(), 1);
    assert.equal(back.error, undefined, String(back.error));
    assert.equal(back.version!.version, 3);
    await fs.writeFile(kpiFile('order_count'), kept);
    await run('gold_ingestion_flow');
    await run('publish_flow');
    assert.deepEqual(await listVersions(tiny.lake), [1, 2, 3, 4]);
    assert.equal(await storeVersion(), 4);
  });

  test('after a KPI column is renamed: rollback, publish and ?version=N name the column, not a binder error or a path', async () => {
    await fs.writeFile(kpiFile('revenue_by_country'), RENAMED);
    await run(); // version 5: revenue renamed revenue_eur
    const { version, error } = await rollback(config(), 4);
    assert.equal(version, undefined);
    const message = String((error as Error).message);
    assert.match(message, /^cannot roll back: KPI revenue_by_country: its table kpi_revenue_by_country has no column revenue_eur, which kpis\/revenue_by_country\.yml declares \(renamed or removed since version 4 was built; the table has country, orders, revenue\)\./);
    assert.match(String((error as { hint?: string }).hint), /put kpis\/revenue_by_country\.yml back as it was when version 4 was built/);
    assert.deepEqual(await listVersions(tiny.lake), [1, 2, 3, 4, 5]);
    assert.equal(await storeVersion(), 5);

    const { app, url } = await startApi(config());
    try {
      const old = await fetch(`${url}/api/revenue_by_country?version=4`);
      assert.equal(old.status, 409);
      const body = (await old.json()) as { code: string; message: string };
      assert.equal(body.code, 'version_incompatible');
      assert.equal(
        body.message,
        'KPI revenue_by_country of version 4 cannot be read with its current declaration: its table kpi_revenue_by_country has no column revenue_eur, which kpis/revenue_by_country.yml declares (renamed or removed since version 4 was built; the table has country, orders, revenue); the table as version 4 built it: GET /api/lake/gold/download?key=' + body.message.split('download?key=')[1],
      );
      // That table, as version 4 built it: its old column and its rows.
      const asBuilt = await fetch(`${url}/api/lake/gold/download?key=${body.message.split('download?key=')[1]}`);
      assert.equal(asBuilt.status, 200);
      assert.deepEqual((await asBuilt.text()).trim().split(/\r?\n/).sort(), ['DE,1,7.0', 'FR,1,12.5', 'country,orders,revenue']);

      // A KPI removed from the project, asked for as a version built with it had it: where its table is.
      await fs.rename(kpiFile('order_count'), `${kpiFile('order_count')}.off`);
      try {
        const now = await startApi(config());
        try {
          const removed = await fetch(`${now.url}/api/order_count?version=2`);
          assert.equal(removed.status, 404);
          const said = (await removed.json()) as { code: string; message: string };
          assert.equal(said.code, 'unknown_kpi');
          assert.match(said.message, /^no KPI order_count is declared now \(kpis\/order_count\.yml, see \/api\/kpis\); if it was removed, a version built with it keeps its table kpi_order_count, read as built through the explorer: GET \/api\/lake\/gold\?version=2 lists it/);
          const listed = (await (await fetch(`${now.url}/api/lake/gold?version=2`)).json()) as { objects: { key: string; table?: string }[] };
          const key = listed.objects.find((o) => o.table === 'gold/kpi_order_count')!.key;
          assert.deepEqual((await (await fetch(`${now.url}/api/lake/gold/download?key=${encodeURIComponent(key)}`)).text()).trim().split(/\r?\n/), ['n', '2']);
        } finally {
          await now.app.close();
        }
      } finally {
        await fs.rename(`${kpiFile('order_count')}.off`, kpiFile('order_count'));
      }

      // The declaration changed again with no gold run after it: publish says why it cannot.
      await fs.writeFile(kpiFile('revenue_by_country'), TINY_FILES['kpis/revenue_by_country.yml']!.replace('AS revenue\n', 'AS revenue_usd\n').replace('  revenue: {', '  revenue_usd: {'));
      const published = await runFlow({ config: config(), flow: 'publish_flow', fullRefresh: true });
      assert.match(String((published.error as Error).message), /^cannot publish version 5 of the lake: KPI revenue_by_country: its table kpi_revenue_by_country has no column revenue_usd, which kpis\/revenue_by_country\.yml declares \(renamed or removed since version 5 was built; the table has country, orders, revenue_eur\)$/);
      assert.doesNotMatch(JSON.stringify(await readRun(tiny.lake, published.summary.runId)), /Binder|read_parquet/);

      // An unexpected error quoting a server path (DuckDB's, a scratch file's) is served without it.
      const lake = openObjectStore(config());
      const failed = new RunRecorder(lake, newRunRecord({ runId: '20261201T000000.000Z-abc123', flow: 'publish_flow', state: 'failed', lake: lake.description, owner: 'x', tasks: ['publish'], options: {} }));
      const quoted = `Binder Error: Referenced column "x" not found: read_parquet('${path.join(tiny.dir, 'data', 'lake', 'gold', 'x.parquet')}')`;
      failed.record.error = { message: quoted, task: 'publish' };
      failed.closeAttempt(failed.openAttempt(failed.task('publish')), { state: 'failed', error: quoted });
      failed.log('error', quoted, 'publish');
      await failed.save();
      type Served = { runId: string; error: { message: string }; tasks: { attempts: { error?: string }[] }[]; logs: { level: string; message: string }[] };
      const one = (await (await fetch(`${url}/api/runs/${failed.record.runId}`)).json()) as Served;
      const listed = ((await (await fetch(`${url}/api/runs`)).json()) as Served[]).find((r) => r.runId === failed.record.runId)!;
      for (const served of [one, listed]) {
        const said = [served.error.message, ...served.tasks.flatMap((t) => t.attempts.map((a) => a.error)), ...served.logs.filter((l) => l.level === 'error').map((l) => l.message)];
        assert.equal(said.length, 3);
        for (const text of said) assert.equal(text, `Binder Error: Referenced column "x" not found: read_parquet('<path>')`);
      }
    } finally {
      await app.close();
    }
  });
});
