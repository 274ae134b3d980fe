import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// Two ways a file was read wrongly without a word, through the built CLI: a line of a few values
// before the header (Coinbase's `User,<name>,<id>`) taken for the header, and a declared %Y reading
// a two-digit year as the year 24.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'preambles-years-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

async function writeFiles(folder: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await fs.writeFile(path.join(folder, name), text);
  }
}

/** `init <project> --from-csv <file>` on a file of its own; returns the project folder. */
async function initFrom(name: string, text: string, project: string): Promise<string> {
  const csv = path.join(root, `${project}-csv`, name);
  await writeFiles(path.dirname(csv), { [name]: text });
  const dir = path.join(root, project);
  const init = await runCli(['init', dir, '--from-csv', csv], {});
  assert.equal(init.code, 0, init.stderr);
  return dir;
}

/** `run` of a project into `dataDir`, which must succeed: its summary (with --json) or its text. */
async function runProject(dir: string, dataDir: string, json = true) {
  const run = await runCli(['run', ...(json ? ['--json'] : []), '--project', dir], { DATA_DIR: dataDir });
  assert.equal(run.code, 0, run.stderr);
  return json ? JSON.parse(run.stdout) : run.stdout;
}

// Coinbase's transaction report (its rows as it writes them: quoted amounts with thousands, an empty last note).
const HEADER = 'ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes\n';
const ROWS =
  '20c917b853860886599b2ac7,2023-01-03 14:07:49 UTC,Buy,ETH,0.02558987,USD,"$1,915.21",$49.01,$50.00,$0.99,Bought 0.02558987 ETH for $50.00 USD\n' +
  '90996dd9de5798121e8fa462,2023-01-03 19:27:57 UTC,Buy,ETH,0.1278114,USD,"$1,926.82",$246.27,$250.00,$3.73,Bought 0.1278114 ETH for $250.00 USD\n' +
  'a6a317873a59e01b29a0a9a4,2023-01-03 23:59:19 UTC,Sell,ADA,-3016.30716169,USD,$0.40,"-$1,200.00","-$1,182.12",$17.88,"Sold 3016.30716169 ADA for $1,182.12 USD"\n' +
  '296e948c5a0b1e5bb93e6d63,2023-01-04 16:30:09 UTC,Staking Income,ETH,0.00001281,USD,"$1,926.82",$0.02,$0.02,$0.00,\n' +
  '41f7a139d6f67edf17de7d6f,2023-01-04 18:20:31 UTC,Buy,ADA,123.92886799,USD,$0.40,$49.01,$50.00,$0.99,Bought 123.92886799 ADA for $50.00 USD\n';
const USER = 'User,Jane Q. Doe,7c9e6679-7425-40de-944b-e07fc1f90ae7\n';

test('init --from-csv on Coinbase\'s report: a line of three values above the header is a note, the 11 columns typed and every row loaded', async () => {
  for (const [name, preamble, skip] of [['cb_title_user.csv', `Transactions\n${USER}`, 2], ['cb_user.csv', USER, 1]] as const) {
    const dir = await initFrom(name, preamble + HEADER + ROWS, name.replace('.csv', ''));
    const dataset = name.replace('.csv', '');
    const yml = await fs.readFile(path.join(dir, 'datasets', `${dataset}.yml`), 'utf8');
    assert.match(yml, new RegExp(`^skip_lines: ${skip}$`, 'm'), yml);
    assert.match(yml, /^ {2}id: \{ type: text, required: true \} {3}# header "ID"$/m, yml);
    assert.match(yml, /^ {2}fees_and_or_spread: \{ type: number, unit: "\$" \} {3}# header "Fees and\/or Spread"$/m, yml);
    assert.equal(yml.match(/# header "/g)?.length, 11, yml);
    const dataDir = path.join(root, `${dataset}-data`);
    const summary = await runProject(dir, dataDir);
    const stats = summary.stages[1].details.datasets[dataset];
    assert.deepEqual([stats.rowsIn, stats.rowsOut, stats.quarantined], [5, 5, 0]);
    assert.deepEqual(await silverRows(dataDir, dataset, summary.runId, 'SELECT asset, subtotal FROM $t ORDER BY "timestamp"'), [
      { asset: 'ETH', subtotal: 49.01 },
      { asset: 'ETH', subtotal: 246.27 },
      { asset: 'ADA', subtotal: -1200 },
      { asset: 'ETH', subtotal: 0.02 },
      { asset: 'ADA', subtotal: 49.01 },
    ]);
  }
});

test('a run whose every line of a file is quarantined as malformed says so, naming the file and skip_lines', async () => {
  // The definition the wrong header gave: one column, read at the title.
  const dir = path.join(root, 'malformed');
  await writeFiles(dir, {
    'datalake.yml': 'name: malformed\n',
    'datasets/report.yml': 'files: "report*.csv"\ncolumns:\n  transactions: { type: text }\n',
    'kpis/n.yml': 'title: Lines\nsql: SELECT count(*)::BIGINT AS n FROM report\ncolumns:\n  n: { type: integer }\n',
    'sources/report.csv': `Transactions\n${USER}${HEADER}${ROWS}`,
  });
  const out: string = await runProject(dir, path.join(root, 'malformed-data'), false);
  assert.match(out, /^report: 7 quarantined \(malformed_line:too_many_columns 7\)/m, out);
  assert.match(out, /^report: warning: no line of report\.csv was read as a row \(every one quarantined as malformed_line\): its header is probably not at the line datasets\/report\.yml reads; set skip_lines to the number of lines before it, or see `datalake check --sources`$/m, out);
  // A file with some rows read says nothing of the kind.
  await writeFiles(dir, { 'sources/report_2.csv': 'Transactions\nBuy\nSell,ETH\n' });
  const second: string = await runProject(dir, path.join(root, 'malformed-data'), false);
  assert.match(second, /^report: 1 quarantined \(malformed_line:too_many_columns 1\)/m, second);
  assert.doesNotMatch(second, /warning: no line of/, second);
});

test('a declared %Y reads a four-digit year only: two-digit years are quarantined as invalid_date, every row accounted for; init declares %y for them', async () => {
  const dir = path.join(root, 'years');
  await writeFiles(dir, {
    'datalake.yml': 'name: years\n',
    'datasets/sales.yml': 'files: "sales*.csv"\nkey: order_id\ncolumns:\n  sale_date: { type: date, format: "%m/%d/%Y" }\n  sold_at: { type: timestamp, format: "%m/%d/%Y %H:%M" }\n  order_id: { type: integer }\n  order_total: { type: number }\n',
    'kpis/by_month.yml': "title: By month\nsql: SELECT strftime(sale_date, '%Y-%m') AS month, count(*)::BIGINT AS n FROM sales GROUP BY 1 ORDER BY 1\ncolumns:\n  month: { type: string }\n  n: { type: integer }\n",
    // An Etsy-like export: two-digit years in some rows, four in others.
    'sources/sales.csv': 'Sale Date,Sold At,Order ID,Order Total\n01/15/24,01/15/2024 10:00,3101,24.00\n01/31/24,01/31/2024 11:30,3102,57.38\n02/01/2024,02/01/24 09:15,3103,10.00\n02/02/2024,02/02/2024 16:45,3104,12.50\n',
  });
  const dataDir = path.join(root, 'years-data');
  const summary = await runProject(dir, dataDir);
  const stats = summary.stages[1].details.datasets.sales;
  assert.deepEqual([stats.rowsIn, stats.rowsOut, stats.quarantined], [4, 1, 3]);
  assert.deepEqual(stats.reasons, { 'invalid_date:sale_date': 2, 'invalid_date:sold_at': 1 });
  assert.deepEqual(await silverRows(dataDir, 'sales', summary.runId, "SELECT order_id, strftime(sale_date, '%Y-%m-%d') AS d, strftime(sold_at, '%Y-%m-%d %H:%M') AS t FROM $t"), [{ order_id: 3104, d: '2024-02-02', t: '2024-02-02 16:45' }]);
  assert.deepEqual(await silverRows(dataDir, 'quarantine/sales', '', 'SELECT _reason, _detail FROM $t ORDER BY _record'), [
    { _reason: 'invalid_date:sale_date', _detail: 'sale_date "01/15/24" is not a valid date (%m/%d/%Y) (a two-digit year, where %Y reads four digits: to read both, declare format: ["%m/%d/%Y", "%m/%d/%y"])' },
    { _reason: 'invalid_date:sale_date', _detail: 'sale_date "01/31/24" is not a valid date (%m/%d/%Y) (a two-digit year, where %Y reads four digits: to read both, declare format: ["%m/%d/%Y", "%m/%d/%y"])' },
    { _reason: 'invalid_date:sold_at', _detail: 'sold_at "02/01/24 09:15" is not a valid timestamp (%m/%d/%Y %H:%M) (a two-digit year, where %Y reads four digits: to read both, declare format: ["%m/%d/%Y %H:%M", "%m/%d/%y %H:%M"])' },
  ]);
  const months = await runCli(['show', 'by_month', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.doesNotMatch(months.stdout, /0024/, months.stdout);

  // Both formats declared, as the detail says: every row loads, in 2024.
  const yml = await fs.readFile(path.join(dir, 'datasets', 'sales.yml'), 'utf8');
  await fs.writeFile(path.join(dir, 'datasets', 'sales.yml'), yml.replace('format: "%m/%d/%Y" }', 'format: ["%m/%d/%Y", "%m/%d/%y"] }').replace('format: "%m/%d/%Y %H:%M" }', 'format: ["%m/%d/%Y %H:%M", "%m/%d/%y %H:%M"] }'));
  const again = await runProject(dir, dataDir);
  assert.deepEqual(await silverRows(dataDir, 'sales', again.runId, "SELECT order_id, strftime(sale_date, '%Y-%m-%d') AS d, strftime(sold_at, '%Y-%m-%d') AS t FROM $t ORDER BY order_id"), [
    { order_id: 3101, d: '2024-01-15', t: '2024-01-15' },
    { order_id: 3102, d: '2024-01-31', t: '2024-01-31' },
    { order_id: 3103, d: '2024-02-01', t: '2024-02-01' },
    { order_id: 3104, d: '2024-02-02', t: '2024-02-02' },
  ]);

  // A file of two-digit years only: init declares %y, and its days load in 2024.
  const inferred = await initFrom('orders.csv', 'Sale Date,Sold At,Order ID\n01/15/24,01/15/24 10:00,1\n01/31/24,01/31/24 11:30,2\n02/01/24,02/01/24 09:15,3\n', 'years-inferred');
  const orders = await fs.readFile(path.join(inferred, 'datasets', 'orders.yml'), 'utf8');
  assert.match(orders, /^ {2}sale_date: \{ type: date, format: "%m\/%d\/%y" \}/m, orders);
  assert.match(orders, /^ {2}sold_at: \{ type: timestamp, format: "%m\/%d\/%y %H:%M" \}/m, orders);
  const inferredData = path.join(root, 'years-inferred-data');
  const loaded = await runProject(inferred, inferredData);
  assert.deepEqual(await silverRows(inferredData, 'orders', loaded.runId, "SELECT strftime(sale_date, '%Y-%m-%d') AS d FROM $t ORDER BY d"), [{ d: '2024-01-15' }, { d: '2024-01-31' }, { d: '2024-02-01' }]);
});
