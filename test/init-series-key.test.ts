import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';

// A time series downloaded again (Google Trends names it `multiTimeline (1).csv`) overlaps the first
// download: with its date as the key, the weeks both hold are replaced, not added twice, and every sum
// over them stays right. Events one a day by chance get no key: a later charge on a known day is a row.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-series-key-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const day = (start: string, n: number) => new Date(Date.parse(`${start}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
/** Google Trends' export of weeks `from` to `to` (excluded) from 2023-01-01, its two lines of preamble first; weeks in `changed` at 99. */
const trends = (from: number, to: number, changed: number[] = []) =>
  `Category: All categories\n\nWeek,data lake: (Worldwide)\n${Array.from({ length: to - from }, (_, k) => from + k).map((i) => `${day('2023-01-01', 7 * i)},${changed.includes(i) ? 99 : 30 + (i % 17)}`).join('\n')}\n`;
const interest = (i: number, changed: number[]) => (changed.includes(i) ? 99 : 30 + (i % 17));

/** `run --json` in `dir`, which must succeed: its silver details of `dataset`. */
async function run(dir: string, dataDir: string, dataset: string): Promise<{ rows: number; replaced: number; quarantined: number }> {
  const r = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets[dataset];
}

test("init --from-csv on Google Trends' weeks: the week is the key; its download again, overlapping 40 weeks and adding 10, counts each week once, the new download's figures winning", async () => {
  const csvs = path.join(root, 'exports');
  await fs.mkdir(csvs, { recursive: true });
  await fs.writeFile(path.join(csvs, 'multiTimeline.csv'), trends(0, 52));
  // Yahoo Finance's trading days: weekdays, the holidays missing (Christmas, New Year, MLK, Presidents' Day, Good Friday).
  const holidays = ['2023-12-25', '2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29'];
  const trading = Array.from({ length: 152 }, (_, i) => day('2023-12-01', i)).filter((d) => ![0, 6].includes(new Date(d).getUTCDay()) && !holidays.includes(d));
  await fs.writeFile(path.join(csvs, 'AAPL.csv'), `Date,Open,High,Low,Close,Adj Close,Volume\n${trading.map((d, i) => `${d},${190 + i / 7},${191 + i / 7},${189 + i / 7},${190.5 + i / 7},${190.2 + i / 7},${50000000 + i}`).join('\n')}\n`);
  // A card's charges, one a day by chance on irregular days.
  const charges = [2, 3, 7, 9, 10, 14, 17, 18, 22, 23, 28, 31];
  await fs.writeFile(path.join(csvs, 'transactions.csv'), `Date,Description,Amount\n${charges.map((d, i) => `${day('2024-03-01', d)},Purchase ${i},-${5 + i}.25`).join('\n')}\n`);
  const dir = path.join(root, 'trends');
  const init = await runCli(['init', dir, '--from-csv', ...['multiTimeline.csv', 'AAPL.csv', 'transactions.csv'].map((f) => path.join(csvs, f)), '--json'], {});
  assert.equal(init.code, 0, init.stderr);
  const keys = Object.fromEntries((JSON.parse(init.stdout) as { datasets: { name: string; key: string[] }[] }).datasets.map((d) => [d.name, d.key]));
  assert.deepEqual(keys, { multi_timeline: ['week'], aapl: ['date'], transactions: [] });
  const yaml = (name: string) => fs.readFile(path.join(dir, 'datasets', `${name}.yml`), 'utf8');
  assert.match(await yaml('multi_timeline'), /^# A series: week is a date every week, .* each row one week's figure\. A download of it again .* Without the key \(remove it\), rows are appended\.\nkey: week$/m);
  assert.match(await yaml('aapl'), /^# A series: date is a date every trading day, .*\nkey: date$/m);
  assert.match(await yaml('transactions'), /^# No key: rows are appended .* `key: date` makes a download of it again/m);

  const dataDir = path.join(root, 'trends-data');
  assert.equal((await run(dir, dataDir, 'multi_timeline')).rows, 52);
  // Downloaded again: weeks 12 to 51 again (40, five of them revised), and 10 new ones.
  const changed = [40, 41, 42, 43, 44];
  await fs.writeFile(path.join(dir, 'sources', 'multiTimeline (1).csv'), trends(12, 62, changed));
  const second = await run(dir, dataDir, 'multi_timeline');
  assert.deepEqual([second.rows, second.replaced, second.quarantined], [62, 40, 0]);
  // The published KPI: each week once, the revised figures.
  const kpi = (await fs.readdir(path.join(dir, 'kpis'))).find((f) => f.startsWith('multi_timeline'))!.replace(/\.yml$/, '');
  const show = await runCli(['show', kpi, '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(show.code, 0, show.stderr);
  const rows = (JSON.parse(show.stdout) as { rows: { week: string; data_lake_worldwide: number }[] }).rows;
  assert.deepEqual(rows.map((r) => [r.week, r.data_lake_worldwide]), Array.from({ length: 62 }, (_, i) => [day('2023-01-01', 7 * i), interest(i, changed)]));
});
