import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// Investing.com's historical data, through the built CLI: volumes written with a magnitude after them
// (`52.34K`, `1.23M`, `2.10B`) and `-` where none, every field quoted, typed by `init` and read by the run.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-magnitudes-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const HEADER = '\ufeff"Date","Price","Open","High","Low","Vol.","Change %"\n';
/** Rows of January 2024 as Investing.com writes them, newest first, with the volumes given in turn. */
const investing = (month: string, days: number, vols: string[]) =>
  Array.from({ length: days }, (_, k) => {
    const day = days - k;
    const price = (26000 + day * 97.3).toFixed(1);
    return `"${month}/${String(day).padStart(2, '0')}/2024","${Number(price).toLocaleString('en-US', { minimumFractionDigits: 1 })}","${price}","${price}","${price}","${vols[k % vols.length]}","${k % 2 ? '-' : ''}${(day / 10).toFixed(2)}%"\n`;
  }).join('');

test("Investing.com's volumes: 52.34K is 52340 in silver and in a KPI, - missing, a magnitude that does not read quarantined", async () => {
  const csv = path.join(root, 'exports', 'Bitcoin Historical Data.csv');
  await fs.mkdir(path.dirname(csv), { recursive: true });
  await fs.writeFile(csv, HEADER + investing('01', 31, ['-', '52.34K', '1.23M', '2.10B', '605.86K', '0.29K']));
  const dir = path.join(root, 'btc');
  const env = { DATA_DIR: path.join(root, 'btc-data') };
  const init = await runCli(['init', dir, '--from-csv', csv], env);
  assert.equal(init.code, 0, init.stderr);
  const yaml = await fs.readFile(path.join(dir, 'datasets', 'bitcoin_historical_data.yml'), 'utf8');
  assert.match(yaml, /^null_values: \["-"\]$/m, yaml);
  assert.match(yaml, /^ {2}vol: \{ type: number, magnitudes: true \} {3}# header "Vol\."; numbers with a magnitude after them/m, yaml);
  assert.match(yaml, /^ {2}change_pct: \{ type: number, unit: "%" \}/m, yaml);
  // The month's volume, as a KPI sums it.
  await fs.writeFile(
    path.join(dir, 'kpis', 'volume_by_month.yml'),
    ['title: Volume per month', 'sql: |', '  SELECT CAST(date_trunc(\'month\', "date") AS DATE) AS month, sum(vol) AS volume, count(vol) AS days', '  FROM bitcoin_historical_data GROUP BY 1 ORDER BY 1', 'columns:', '  month: { type: date, label: Month }', '  volume: { type: number, label: Volume }', '  days: { type: integer, label: Days }', ''].join('\n'),
  );
  const run = await runCli(['run', '--json', '--project', dir], env);
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  assert.deepEqual([summary.stages[1].details.datasets.bitcoin_historical_data.rowsOut, summary.stages[1].details.datasets.bitcoin_historical_data.quarantined], [31, 0]);
  assert.deepEqual(await silverRows(env.DATA_DIR, 'bitcoin_historical_data', summary.runId, "SELECT strftime(date, '%d') AS day, vol FROM $t WHERE day(date) >= 26 ORDER BY date DESC"), [
    { day: '31', vol: null },
    { day: '30', vol: 52340 },
    { day: '29', vol: 1230000 },
    { day: '28', vol: 2100000000 },
    { day: '27', vol: 605860 },
    { day: '26', vol: 290 },
  ]);
  const show = await runCli(['show', 'volume_by_month', '--json', '--project', dir], env);
  assert.equal(show.code, 0, show.stderr);
  // Five rounds of the six volumes and a dash: the 31st, 25th... missing, the others 5 × (52340 + 1230000 + 2100000000 + 605860 + 290).
  assert.deepEqual(JSON.parse(show.stdout).rows, [{ month: '2024-01-01', volume: 10509442450, days: 25 }]);

  // February's download: volumes whose magnitude does not read, quarantined naming the column.
  await fs.writeFile(path.join(dir, 'sources', 'Bitcoin Historical Data (1).csv'), HEADER + investing('02', 3, ['878.05K', '1.2.3K', '12X']));
  const again = await runCli(['run', '--json', '--project', dir], env);
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout);
  assert.deepEqual(await silverRows(env.DATA_DIR, 'quarantine/bitcoin_historical_data', second.runId, 'SELECT _record, _reason, _detail FROM $t ORDER BY _record'), [
    { _record: 2, _reason: 'invalid_number:vol', _detail: 'vol "1.2.3K" is not a valid number (K, M, B or T after it for thousands, millions, billions, trillions)' },
    { _record: 3, _reason: 'invalid_number:vol', _detail: 'vol "12X" is not a valid number (K, M, B or T after it for thousands, millions, billions, trillions)' },
  ]);
  assert.deepEqual(await silverRows(env.DATA_DIR, 'bitcoin_historical_data', second.runId, "SELECT vol FROM $t WHERE date = DATE '2024-02-03'"), [{ vol: 878050 }]);
});

test('a typo in the declaration is one clear line: an unknown key, magnitudes on a text column, unit: magnitude', async () => {
  const dir = path.join(root, 'typos');
  const csv = path.join(root, 'typos-csv', 'vols.csv');
  await fs.mkdir(path.dirname(csv), { recursive: true });
  await fs.writeFile(csv, 'day,vol\n2024-01-01,52.34K\n2024-01-02,1.23M\n');
  const init = await runCli(['init', dir, '--from-csv', csv], {});
  assert.equal(init.code, 0, init.stderr);
  const file = path.join(dir, 'datasets', 'vols.yml');
  const yaml = await fs.readFile(file, 'utf8');
  assert.match(yaml, /^ {2}vol: \{ type: number, magnitudes: true \}/m, yaml);
  for (const [column, said] of [
    ['{ type: number, magnitude: true }', /unknown key \(did you mean "magnitudes"\?\)/],
    ['{ type: text, magnitudes: true }', /magnitudes applies to number columns \(52\.34K is 52340, 1\.5K 1500\); vol is text/],
    ['{ type: number, magnitudes: yes }', /field "columns\.vol\.magnitudes": "yes" is not true or false/],
    ['{ type: number, unit: magnitude }', /a magnitude is no unit: for numbers written 52\.34K, 1\.23M or 2\.10B, declare magnitudes: true on the column/],
  ] as const) {
    await fs.writeFile(file, yaml.replace(/^ {2}vol: .*$/m, `  vol: ${column}`));
    const check = await runCli(['check', '--project', dir], {});
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stderr, said);
    assert.doesNotMatch(check.stderr, /\n\s+at /, 'no stack trace');
  }
});
