import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';

// Exports with no id column downloaded again under a new name, overlapping: a brokerage's activity
// history, then `History_for_Account_Z123 (1).csv` with the same three transactions and a new one,
// which covers the first (its dates, its rows: covering.ts). Through the built CLI: the overlap is not
// added twice, the summary and the record say why, and the KPI counts each transaction once, as a run
// over the final files does.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'keyless-overlap-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const HEADER = '\n\nRun Date,Account,Action,Symbol,Amount ($)\n';
const BUY = '01/31/2024,Z123, YOU BOUGHT APPLE INC (AAPL) (Cash), AAPL,-1844.00\n';
const DIVIDEND = '01/30/2024,Z123, DIVIDEND RECEIVED APPLE INC (AAPL) (Cash), AAPL,12.50\n';
const MSFT = '01/30/2024,Z123, DIVIDEND RECEIVED MSFT (MSFT) (Cash), MSFT,9.10\n';
const SOLD = '02/02/2024,Z123, YOU SOLD APPLE INC (AAPL) (Cash), AAPL,900.00\n';
const FIRST = 'History_for_Account_Z123.csv';
const AGAIN = 'History_for_Account_Z123 (1).csv';
const DATASET = 'history_for_account_z123';
const KPI = `${DATASET}_by_symbol`;

/** `init --from-csv` of the first download: a project of its own, with its data folder. */
async function project(name: string): Promise<{ dir: string; env: Record<string, string> }> {
  const csv = path.join(root, `${name}-csvs`, FIRST);
  await fs.mkdir(path.dirname(csv), { recursive: true });
  await fs.writeFile(csv, HEADER + BUY + DIVIDEND + MSFT);
  const dir = path.join(root, name);
  const env = { DATA_DIR: path.join(root, `${name}-data`), DUCKDB_THREADS: '2' };
  const init = await runCli(['init', dir, '--from-csv', csv], env);
  assert.equal(init.code, 0, init.stderr);
  assert.match(await fs.readFile(path.join(dir, 'datasets', `${DATASET}.yml`), 'utf8'), /^# No key: rows are appended/m);
  // A KPI of its own (whatever starter init chose): rows per symbol, which a doubled row would change.
  await fs.writeFile(path.join(dir, 'kpis', `${KPI}.yml`), `title: Rows per symbol\nsql: SELECT symbol, count(*) AS row_count FROM ${DATASET} GROUP BY symbol ORDER BY symbol\ncolumns:\n  symbol: { type: string }\n  row_count: { type: integer }\nchart: { type: table }\n`);
  return { dir, env };
}

/** A run: its summary's line for the dataset, its record's figures for it, and the KPI as served. */
async function run(p: { dir: string; env: Record<string, string> }) {
  const r = await runCli(['run', '--project', p.dir], p.env);
  assert.equal(r.code, 0, r.stderr);
  const runId = /^run (\S+) completed/m.exec(r.stdout)![1]!;
  const record = JSON.parse(await fs.readFile(path.join(p.env['DATA_DIR']!, 'lake', 'runs', `${runId}.json`), 'utf8'));
  const show = await runCli(['show', KPI, '--json', '--project', p.dir], p.env);
  assert.equal(show.code, 0, show.stderr);
  return {
    stdout: r.stdout,
    line: r.stdout.split('\n').find((l) => l.startsWith(`${DATASET}: `)),
    stats: record.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets[DATASET],
    kpi: (JSON.parse(show.stdout) as { rows: Record<string, unknown>[] }).rows,
  };
}

/** The dataset's rows in the lake's current version (`verify silver`), sorted, without the file each came from (files of one run come in the order of their names). */
async function rowsOf(p: { dir: string; env: Record<string, string> }): Promise<unknown[]> {
  const verify = await runCli(['verify', 'silver', '--json', '--rows', '100', '--project', p.dir], p.env);
  assert.equal(verify.code, 0, verify.stderr);
  const objects = (JSON.parse(verify.stdout) as { objects: { key: string; sample: Record<string, unknown>[] }[] }).objects.filter((o) => o.key.startsWith(`${DATASET}/`));
  return objects.flatMap((o) => o.sample.map(({ _source, ...r }) => JSON.stringify(r))).sort();
}

test('a history downloaded again under a new name replaces the first, which it covers: said in the summary and the record, the KPI right', async () => {
  const daily = await project('daily');
  const first = await run(daily);
  assert.equal(first.line, `${DATASET}: 1 new file, 3 rows merged (0 replacing earlier rows), 3 rows in silver`);

  await fs.writeFile(path.join(daily.dir, 'sources', AGAIN), HEADER + SOLD + BUY + DIVIDEND + MSFT);
  const again = await run(daily);
  assert.equal(again.line, `${DATASET}: 1 new file, 4 rows merged (3 replacing earlier rows), 4 rows in silver`);
  assert.ok(again.stdout.split('\n').includes(`${DATASET}: ${AGAIN} covers ${FIRST} (its dates, 3 of its 3 rows): replaces its rows`), again.stdout);
  // Every row accounted for: 4 read, 4 merged in place of the first download's 3.
  assert.deepEqual([again.stats.rowsIn, again.stats.rowsOut, again.stats.alreadyLoaded, again.stats.replaced, again.stats.rows], [4, 4, 0, 3, 4]);
  assert.deepEqual(again.stats.covers, [{ file: AGAIN, covered: FIRST, shared: 3, rows: 3 }]);
  assert.deepEqual(again.kpi, [{ symbol: 'AAPL', row_count: 3 }, { symbol: 'MSFT', row_count: 1 }]);
  assert.equal((await rowsOf(daily)).length, 4);

  // Both downloads in one first run: the same rows.
  const once = await project('once');
  await fs.writeFile(path.join(once.dir, 'sources', AGAIN), HEADER + SOLD + BUY + DIVIDEND + MSFT);
  const both = await run(once);
  assert.deepEqual([both.stats.rowsIn, both.stats.rowsOut, both.stats.superseded, both.stats.rows], [7, 4, 3, 4]);
  assert.deepEqual(both.kpi, again.kpi);
  assert.deepEqual(await rowsOf(once), await rowsOf(daily));

  // The first download replaced by a narrower one under its name: the dataset is rebuilt from its
  // latest files; the new version, after the other download, covers none of it, and its row is held already.
  for (const p of [daily, once]) await fs.writeFile(path.join(p.dir, 'sources', FIRST), HEADER + MSFT);
  const narrower = await run(daily);
  assert.match(narrower.line!, /, 4 rows in silver, .*1 row already loaded from another file: not added again$/);
  assert.deepEqual(narrower.kpi, again.kpi);
  await run(once);
  assert.deepEqual(await rowsOf(once), await rowsOf(daily));
  assert.equal((await rowsOf(daily)).length, 4);
});
