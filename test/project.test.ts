import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { loadProject } from '../src/project/load.js';
import { runPipeline } from './support/run.js';
import { openServingStore } from '../src/serving/index.js';
import { silverRows } from './support/lake-rows.js';

// Project folders as a user drives them, through the built CLI: `init`, `init --from-csv`, `check`
// (one test per kind of mistake, asserting the message), `check --sources`, which project a command
// picks, and two projects kept apart.

const BIN = fileURLToPath(new URL('../bin/datalake.js', import.meta.url));
const SHOP = fileURLToPath(new URL('../examples/shop/', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { PATH: process.env['PATH'] ?? '', DUCKDB_THREADS: '2', ...options.env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A one-line error: non-zero exit, `error:` first, no stack trace. */
function assertError(r: Result, message: RegExp, hint?: RegExp): void {
  assert.notEqual(r.code, 0, `expected a failure, got: ${r.stdout}`);
  const first = r.stderr.split('\n').find((l) => l.startsWith('error:')) ?? '';
  assert.match(first, message, r.stderr);
  if (hint) assert.match(r.stderr, hint);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
}

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'projects-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

describe('datalake init', () => {
  test('init DIR writes the shop example with its sample data; check and run work on it', async () => {
    const r = await cli(['init', 'my shop'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const dir = path.join(root, 'my shop');
    assert.match(await fs.readFile(path.join(dir, 'datalake.yml'), 'utf8'), /^name: my-shop$/m);
    assert.deepEqual((await fs.readdir(path.join(dir, 'sources'))).sort(), ['achats.csv', 'clients.csv']);
    assert.match(r.stdout, /datalake run --project "my shop"/);
    assert.equal((await cli(['check', '--project', 'my shop'], { cwd: root })).code, 0);
    const run = await cli(['run', '--json'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).lake, `folder ${path.join(dir, 'data', 'lake')}`, 'the nearest datalake.yml is the project; its data beside it');
    assertError(await cli(['init', 'my shop'], { cwd: root }), /already holds a project/);
  });

  test('init DIR --from-csv: semicolons, quoted commas, NA, US dates, a header-only file; the project runs at once', async () => {
    const csvs = path.join(root, 'csvs');
    await fs.mkdir(csvs, { recursive: true });
    await fs.writeFile(path.join(csvs, 'orders.csv'), 'Order ID;Customer;Order Date;Amount;Paid\n1;"Smith; John";03/15/2024;12,50;yes\n2;Ann;03/16/2024;NA;no\n3;Bob;03/17/2024;7,25;yes\n4;Ann;03/18/2024;3,00;no\n');
    await fs.writeFile(path.join(csvs, 'cities.csv'), 'code,name,region,population\nA1,"Paris, FR",North,NA\nB2,Lyon,South,513275\nC3,"Nice ""la belle""",South,342669\n');
    await fs.writeFile(path.join(csvs, 'contacts_export.csv'), 'id,label,group\n');
    await fs.writeFile(path.join(csvs, 'readings_2024-01.csv'), 'station,date,temp\nS1,2024-01-01,3.5\nS1,2024-01-02,-1\nS2,2024-01-01,4\n');
    const files = ['orders.csv', 'cities.csv', 'contacts_export.csv', 'readings_2024-01.csv'].map((f) => path.join(csvs, f));
    const r = await cli(['init', 'from-csv', '--from-csv', ...files], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const dir = path.join(root, 'from-csv');
    const orders = await fs.readFile(path.join(dir, 'datasets', 'orders.yml'), 'utf8');
    assert.match(orders, /^delimiter: ";"$/m);
    assert.match(orders, /^key: order_id$/m);
    assert.match(orders, /^null_values: \["NA"\]$/m);
    assert.match(orders, /^ {2}order_date: \{ type: date, format: "%m\/%d\/%Y" \}/m);
    assert.match(orders, /^ {2}amount: \{ type: number \}/m);
    assert.match(orders, /^ {2}paid: \{ type: boolean \}/m);
    const cities = await fs.readFile(path.join(dir, 'datasets', 'cities.yml'), 'utf8');
    assert.match(cities, /^ {2}population: \{ type: integer \}/m);
    assert.match(cities, /^key: code$/m);
    const readings = await fs.readFile(path.join(dir, 'datasets', 'readings.yml'), 'utf8');
    assert.match(readings, /^files: "readings\*\.csv"$/m, 'the date in the file name is not part of the dataset');
    assert.match(readings, /^ {2}temp: \{ type: number \}/m);
    assert.doesNotMatch(readings, /^key:/m, 'no unique integer or text column: no key');
    const empty = await fs.readFile(path.join(dir, 'datasets', 'contacts_export.yml'), 'utf8');
    assert.match(empty, /not_empty, severity: warn/, 'a header-only file makes a dataset that may be empty');
    assert.deepEqual((await fs.readdir(path.join(dir, 'sources'))).sort(), ['cities.csv', 'contacts_export.csv', 'orders.csv', 'readings_2024-01.csv']);
    // Orders with a date and an amount: its sum per month.
    assert.deepEqual(await fs.readdir(path.join(dir, 'kpis')), ['orders_amount_per_month.yml']);

    assert.equal((await cli(['check'], { cwd: dir })).code, 0);
    const run = await cli(['run', '--json'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.stages[1].details.datasets.orders.rowsOut, 4);
    assert.equal(summary.stages[1].details.datasets.cities.rowsOut, 3);
    // The decimal comma and NA read as numbers and a missing value, the quoted `Smith; John` as one field of its row.
    const serving = openServingStore(loadConfig({ DATALAKE_PROJECT: dir }));
    try {
      assert.deepEqual((await serving.read('kpi_orders_amount_per_month'))!.map((r) => r['amount']), [22.75]);
    } finally {
      await serving.close();
    }
  });

  test('init --from-csv and run: accounting negatives ((290.65), SAP\'s and DATEV\'s 614,10-) and times with a no-break space before PM load as negatives and timestamps; the amount is no key', async () => {
    const csvs = path.join(root, 'csvs-ledger');
    await fs.mkdir(csvs, { recursive: true });
    // An accounting export (the amount first and unique, as it happens in a small file), times as newer Excel writes them.
    const ledger = ['Amount,Invoice No,Memo,Posted,Phone,Qty', '(290.65),INV-1,(see note),3/14/2024 2:05\u202fPM,(555) 123-4567,(12)', '"(1,290.65)",INV-2,Rent,3/15/2024 11:30\u00a0AM,(555) 123-4568,3', '290.65,INV-3,Fee,3/16/2024 1:00 PM,(555) 123-4569,4-', '614.10-,INV-4,Refund,3/17/2024 9:05\u202fAM,(555) 123-4560,5'];
    await fs.writeFile(path.join(csvs, 'ledger.csv'), `${ledger.join('\n')}\n`);
    // DATEV's booking export: decimal commas, the minus after the amount.
    await fs.writeFile(path.join(csvs, 'buchungen.csv'), 'Umsatz;Belegdatum;Buchungstext\n614,10-;14.03.2024;Miete\n1.234,56;15.03.2024;Erlös\n12,00-;16.03.2024;Gebühr\n');
    const dir = path.join(root, 'ledger');
    const r = await cli(['init', dir, '--from-csv', path.join(csvs, 'ledger.csv'), path.join(csvs, 'buchungen.csv'), '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const written = JSON.parse(r.stdout) as { datasets: { name: string; key: string[] }[] };
    assert.deepEqual(written.datasets.map((d) => [d.name, d.key]), [['ledger', ['invoice_no']], ['buchungen', []]]);
    const yml = await fs.readFile(path.join(dir, 'datasets', 'ledger.yml'), 'utf8');
    assert.match(yml, /^ {2}amount: \{ type: number \}/m);
    assert.match(yml, /^ {2}posted: \{ type: timestamp, format: "%m\/%d\/%Y %I:%M %p" \}/m);
    assert.match(yml, /^ {2}phone: \{ type: text, personal: true \}/m);
    assert.match(yml, /^ {2}qty: \{ type: integer \}/m);
    const datev = await fs.readFile(path.join(dir, 'datasets', 'buchungen.yml'), 'utf8');
    assert.match(datev, /^decimal_separator: ","$/m);
    assert.match(datev, /^ {2}umsatz: \{ type: number \}/m);
    assert.doesNotMatch(datev, /umsatz is unique/, 'amounts are not suggested as a key either');

    const dataDir = path.join(dir, 'data');
    const run = await cli(['run', '--json'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    const loaded = summary.stages[1].details.datasets;
    assert.deepEqual([loaded.ledger.rowsOut, loaded.ledger.quarantined, loaded.buchungen.rowsOut, loaded.buchungen.quarantined], [4, 0, 3, 0]);
    assert.deepEqual(await silverRows(dataDir, 'ledger', summary.runId, 'SELECT amount, invoice_no, memo, CAST(posted AS VARCHAR) AS posted, phone, qty FROM $t ORDER BY invoice_no'), [
      { amount: -290.65, invoice_no: 'INV-1', memo: '(see note)', posted: '2024-03-14 14:05:00', phone: '(555) 123-4567', qty: -12 },
      { amount: -1290.65, invoice_no: 'INV-2', memo: 'Rent', posted: '2024-03-15 11:30:00', phone: '(555) 123-4568', qty: 3 },
      { amount: 290.65, invoice_no: 'INV-3', memo: 'Fee', posted: '2024-03-16 13:00:00', phone: '(555) 123-4569', qty: -4 },
      { amount: -614.1, invoice_no: 'INV-4', memo: 'Refund', posted: '2024-03-17 09:05:00', phone: '(555) 123-4560', qty: 5 },
    ]);
    assert.deepEqual(await silverRows(dataDir, 'buchungen', summary.runId, 'SELECT umsatz, buchungstext FROM $t ORDER BY belegdatum'), [
      { umsatz: -614.1, buchungstext: 'Miete' },
      { umsatz: 1234.56, buchungstext: 'Erlös' },
      { umsatz: -12, buchungstext: 'Gebühr' },
    ]);
  });

  test('init --from-csv: files numbered alike are one dataset (invoices_101, invoices_102); a number naming the data stays (nyc_311)', async () => {
    const csvs = path.join(root, 'csvs-numbered');
    await fs.mkdir(csvs, { recursive: true });
    await fs.writeFile(path.join(csvs, 'invoices_101.csv'), 'invoice_id,amount\n1,3.5\n2,4\n');
    await fs.writeFile(path.join(csvs, 'invoices_102.csv'), 'invoice_id,amount\n3,1.5\n');
    await fs.writeFile(path.join(csvs, 'nyc_311.csv'), 'unique_key,complaint\n1,Noise\n2,Heat\n');
    const files = ['invoices_101.csv', 'invoices_102.csv', 'nyc_311.csv'].map((f) => path.join(csvs, f));
    const r = await cli(['init', 'numbered', '--from-csv', ...files, '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const written = JSON.parse(r.stdout) as { datasets: { name: string; file: string }[] };
    assert.deepEqual(written.datasets.map((d) => [d.name, d.file]), [['invoices', 'invoices_101.csv, invoices_102.csv'], ['nyc_311', 'nyc_311.csv']]);
  });

  test('init --from-csv: file names differing only by case (`Report 2024-01.csv`, `report 2024-02.csv`; `Sales_101`, `sales_102`) are one dataset, whose glob matches both; the run loads both', async () => {
    const csvs = path.join(root, 'csvs-case');
    await fs.mkdir(csvs, { recursive: true });
    await fs.writeFile(path.join(csvs, 'Report 2024-01.csv'), 'day,amount\n2024-01-01,3.5\n2024-01-02,4\n');
    await fs.writeFile(path.join(csvs, 'report 2024-02.csv'), 'day,amount\n2024-02-01,1.5\n');
    await fs.writeFile(path.join(csvs, 'Sales_101.csv'), 'invoice_id,total\n1,3\n');
    await fs.writeFile(path.join(csvs, 'sales_102.csv'), 'invoice_id,total\n2,4\n');
    const files = ['Report 2024-01.csv', 'report 2024-02.csv', 'Sales_101.csv', 'sales_102.csv'].map((f) => path.join(csvs, f));
    const r = await cli(['init', 'by-case', '--from-csv', ...files, '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const written = JSON.parse(r.stdout) as { datasets: { name: string; file: string; rows: number }[] };
    assert.deepEqual(written.datasets.map((d) => [d.name, d.file, d.rows]), [['report', 'Report 2024-01.csv, report 2024-02.csv', 3], ['sales', 'Sales_101.csv, sales_102.csv', 2]]);
    assert.match(await fs.readFile(path.join(root, 'by-case', 'datasets', 'report.yml'), 'utf8'), /^files: "Report\*\.csv"$/m);
    const dataDir = path.join(root, 'by-case-data');
    const run = await cli(['run', '--json', '--project', path.join(root, 'by-case')], { env: { DATA_DIR: dataDir } });
    assert.equal(run.code, 0, run.stderr);
    const datasets = JSON.parse(run.stdout).stages[1].details.datasets;
    assert.deepEqual([datasets.report.rows, datasets.sales.rows], [3, 2]);
  });

  test('init --from-csv: a measure unique by chance is no key; files sharing a stem get their own names', async () => {
    const csvs = path.join(root, 'csvs-keys');
    await fs.mkdir(csvs, { recursive: true });
    // Real shapes (vega-datasets): a year, a label and a measure that is unique in this file only.
    await fs.writeFile(path.join(csvs, 'iowa-electricity.csv'), 'year,source,net_generation\n2001-01-01,Fossil Fuels,35361\n2001-01-01,Nuclear Energy,3853\n2002-01-01,Fossil Fuels,35991\n');
    await fs.writeFile(path.join(csvs, 'sp500-2000.csv'), 'date,close\n2000-01-03,1455.22\n2000-01-04,1399.42\n');
    await fs.writeFile(path.join(csvs, 'sp500.csv'), 'date,price\nJan 1 2000,1394.46\nFeb 1 2000,1366.42\n');
    await fs.writeFile(path.join(csvs, 'airports.csv'), 'iata,name,state\n00M,Thigpen,MS\n00R,Livingston Municipal,TX\n00V,Meadow Lake,CO\n01J,Hilliard Airpark,FL\n01M,Tishomingo County,MS\n');
    // Tab-separated, as vega-datasets' unemployment.tsv: bronze reads .tsv files too.
    await fs.writeFile(path.join(csvs, 'unemployment.tsv'), 'id\trate\n1001\t.097\n1003\t.091\n');
    // Monthly exports with the month written onto the name are one dataset; the same stem as .csv and
    // .tsv makes two, each with a glob that matches its own files.
    await fs.writeFile(path.join(csvs, 'sales202401.csv'), 'sale_id,amount\n1,3.5\n2,4\n');
    await fs.writeFile(path.join(csvs, 'sales202402.csv'), 'sale_id,amount\n3,1.5\n4,2\n');
    await fs.writeFile(path.join(csvs, 'rates_2023.csv'), 'id\trate\n7\t.5\n');
    await fs.writeFile(path.join(csvs, 'rates_2024.tsv'), 'id\trate\n8\t.25\n');
    const files = ['airports.csv', 'iowa-electricity.csv', 'sp500-2000.csv', 'sp500.csv', 'unemployment.tsv', 'sales202401.csv', 'sales202402.csv', 'rates_2023.csv', 'rates_2024.tsv'].map((f) => path.join(csvs, f));
    const r = await cli(['init', 'keys', '--from-csv', ...files, '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const written = JSON.parse(r.stdout) as { datasets: { name: string; file: string; key: string[] }[] };
    assert.deepEqual(
      written.datasets.map((d) => [d.name, d.file, d.key]),
      [
        ['airports', 'airports.csv', ['iata']],
        ['iowa_electricity', 'iowa-electricity.csv', []],
        ['sp500', 'sp500-2000.csv', []],
        ['sp500_2', 'sp500.csv', []],
        ['unemployment', 'unemployment.tsv', ['id']],
        ['sales', 'sales202401.csv, sales202402.csv', ['sale_id']],
        ['rates', 'rates_2023.csv', ['id']],
        ['rates_2024', 'rates_2024.tsv', ['id']],
      ],
    );
    assert.match(await fs.readFile(path.join(root, 'keys', 'datasets', 'sales.yml'), 'utf8'), /^files: "sales\*\.csv"$/m);
    assert.match(await fs.readFile(path.join(root, 'keys', 'datasets', 'unemployment.yml'), 'utf8'), /^files: "unemployment\*\.tsv"$/m);
    // The starter KPI groups by the text column whose values repeat (state), not by the key or the name, one row each.
    assert.deepEqual(await fs.readdir(path.join(root, 'keys', 'kpis')), ['airports_by_state.yml']);
    const sp500 = await fs.readFile(path.join(root, 'keys', 'datasets', 'sp500_2.yml'), 'utf8');
    assert.match(sp500, /^ {2}date: \{ type: date, format: "%b %d %Y" \}/m);
    // Unique dates in the first column: a series' key, suggested, not declared.
    assert.match(sp500, /^# No key: rows are appended .* date is unique in these files: if each row is one date's figure \(a series\), `key: date` makes/m);
    const run = await cli(['run', '--json'], { cwd: path.join(root, 'keys') });
    assert.equal(run.code, 0, run.stderr);
    const loaded = JSON.parse(run.stdout).stages[1].details.datasets;
    assert.deepEqual([loaded.unemployment.rowsOut, loaded.sales.rowsOut, loaded.rates.rowsOut, loaded.rates_2024.rowsOut], [2, 4, 1, 1]);
  });

  test('init --from-csv: a first column of days written as text is no key; a unique timestamp is suggested as a series key; a unique column not taken is named', async () => {
    const csvs = path.join(root, 'csvs-keys-2');
    await fs.mkdir(csvs, { recursive: true });
    // Xero's account transactions, `Opening Balance` among the days; and a first column of days that are text.
    await fs.writeFile(path.join(csvs, 'xero.csv'), 'Date,Description,Debit,Credit\nOpening Balance,,,\n1 Mar 2024,Office rent,1200.00,\n4 Mar 2024,Invoice INV-0042,,3400.00\n');
    await fs.writeFile(path.join(csvs, 'diary.csv'), 'Day,Entry\nMonday 4th,Rain\nTuesday 5th,Sun\nlater,Wind\n');
    // Health Auto Export: one row per minute, the timestamp unique.
    await fs.writeFile(path.join(csvs, 'health.csv'), 'Date/Time,Heart Rate [count/min]\n2024-03-04 07:00:00,61\n2024-03-04 07:01:00,64\n2024-03-04 07:02:00,60\n');
    // A label unique in three rows, not first and not named as an id.
    await fs.writeFile(path.join(csvs, 'activities.csv'), 'distance,activity,calories\n5.2,Morning run,410\n5.2,Evening run,388\n12,Ride,600\n');
    // A bank statement's reference, unique in this month, but zeros where a charge has none: the next month's charge would replace it.
    await fs.writeFile(path.join(csvs, 'statement.csv'), 'Date,Narration,Chq/Ref No,Amount\n01/03/24,INTEREST,000000000000000,1234.00\n01/03/24,ATM,412233445566,-500.00\n05/03/24,UPI,998877665544,-42.10\n');
    const dir = path.join(root, 'keys-2');
    const r = await cli(['init', dir, '--from-csv', ...['xero.csv', 'diary.csv', 'health.csv', 'activities.csv', 'statement.csv'].map((f) => path.join(csvs, f)), '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const written = JSON.parse(r.stdout) as { datasets: { name: string; key: string[] }[] };
    assert.deepEqual(written.datasets.map((d) => [d.name, d.key]), [['xero', []], ['diary', []], ['health', []], ['activities', []], ['statement', []]]);
    assert.match(await fs.readFile(path.join(dir, 'datasets', 'statement.yml'), 'utf8'), /^# No key: .* chq_ref_no is unique in these 3 rows, but one of its values is zeros only/m);
    assert.match(await fs.readFile(path.join(dir, 'datasets', 'diary.yml'), 'utf8'), /^# No key: .* day is unique in these 3 rows, which may be by chance: if each row is one day, `key: day` makes/m);
    // Its `Opening Balance` a report's line, the days are dates: suggested as a series' key, not declared.
    assert.match(await fs.readFile(path.join(dir, 'datasets', 'xero.yml'), 'utf8'), /^# No key: .* date is unique in these files: if each row is one date's figure/m);
    assert.match(await fs.readFile(path.join(dir, 'datasets', 'health.yml'), 'utf8'), /^# No key: .* date_time is unique in these files: if each row is one date_time's figure \(a series\), `key: date_time`/m);
    assert.match(await fs.readFile(path.join(dir, 'datasets', 'activities.yml'), 'utf8'), /^# No key: .* activity is unique in these 3 rows, which may be by chance/m);
  });

  test('GTFS feeds (.txt files) are read like .csv; a compressed file in sources/ is named in the summary, a glob of an extension bronze never reads refused', async () => {
    const feed = path.join(root, 'gtfs');
    await fs.mkdir(feed, { recursive: true });
    await fs.writeFile(path.join(feed, 'stops.txt'), 'stop_id,stop_name,stop_lat,stop_lon\nS1,Main St,40.1,-73.9\nS2,Oak Av,40.2,-73.8\n');
    await fs.writeFile(path.join(feed, 'trips.txt'), 'route_id,service_id,trip_id\nR1,WK,T1\nR1,WK,T2\nR2,WE,T3\n');
    const dir = path.join(root, 'transit');
    assert.equal((await cli(['init', dir, '--from-csv', path.join(feed, 'stops.txt'), path.join(feed, 'trips.txt')], { cwd: root })).code, 0);
    assert.match(await fs.readFile(path.join(dir, 'datasets', 'stops.yml'), 'utf8'), /^files: "stops\*\.txt"$/m);
    await fs.writeFile(path.join(dir, 'sources', 'stop_times.csv.gz'), 'not text');
    const run = await cli(['run'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /stops: 1 new file, 2 rows merged/);
    assert.match(run.stdout, /trips: 1 new file, 3 rows merged/);
    assert.match(run.stdout, /^bronze: not read, bronze reads \.csv, \.tsv, \.txt, \.dat and \.data files \(decompress or export them so\): stop_times\.csv\.gz$/m);
    await fs.writeFile(path.join(dir, 'datasets', 'stops.yml'), (await fs.readFile(path.join(dir, 'datasets', 'stops.yml'), 'utf8')).replace('stops*.txt', 'stops*.txt.gz'));
    assertError(await cli(['check'], { cwd: dir }), /datasets\/stops\.yml:\d+: field "files": "stops\*\.txt\.gz": bronze reads \.csv, \.tsv, \.txt, \.dat and \.data files, not \.gz/);
  });

  test('init --from-csv refuses a missing or empty file in one line', async () => {
    assertError(await cli(['init', 'x', '--from-csv', path.join(root, 'nope.csv')], { cwd: root }), /nope\.csv: no such file/);
    await fs.writeFile(path.join(root, 'export.xlsx'), 'a,b\n1,2\n');
    assertError(await cli(['init', 'x', '--from-csv', path.join(root, 'export.xlsx')], { cwd: root }), /export\.xlsx: bronze reads \.csv, \.tsv, \.txt, \.dat and \.data files only/, /rename it, e\.g\. export\.csv/);
    // A real workbook, JSON or Parquet file: renaming it to .csv would not make it a table.
    for (const [name, bytes, message, hint] of [
      ['book.xlsx', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(60)]), /book\.xlsx is not a CSV file: it is a ZIP archive \(an Excel \.xlsx workbook/, /save it as "CSV UTF-8"/],
      ['orders.json', Buffer.from('[{"id": 1, "total": 2.5}]\n'), /orders\.json is not a CSV file: it is JSON/, /read_json/],
      ['trips.parquet', Buffer.concat([Buffer.from('PAR1', 'latin1'), Buffer.alloc(60)]), /trips\.parquet is not a CSV file: it is a Parquet file/, /COPY \(FROM 'file\.parquet'\)/],
    ] as const) {
      await fs.writeFile(path.join(root, name), bytes);
      const refused = await cli(['init', 'x', '--from-csv', path.join(root, name)], { cwd: root });
      assertError(refused, message, hint);
      assert.doesNotMatch(refused.stderr, /rename it/);
    }
    await fs.writeFile(path.join(root, 'empty.csv'), '');
    const empty = await cli(['init', 'x', '--from-csv', path.join(root, 'empty.csv')], { cwd: root });
    assertError(empty, /empty\.csv is empty \(0 bytes\)/);
    assert.match(empty.stderr, /✖ init +read empty\.csv/);
    assert.doesNotMatch(empty.stderr, /✔/, 'a file that could not be read is not shown as done');
    for (const [name, message, hint] of [
      ['.hidden.csv', /\.hidden\.csv: a hidden file/, /rename it, e\.g\. hidden\.csv/],
      ['orders.csv.gz', /orders\.csv\.gz is compressed \(\.gz\)/, /decompress it first/],
    ] as const) {
      await fs.writeFile(path.join(root, name), 'a,b\n1,2\n');
      assertError(await cli(['init', 'x', '--from-csv', path.join(root, name)], { cwd: root }), message, hint);
    }
  });
});

describe('datalake check on broken projects', () => {
  /** A copy of the shop with one file changed; returns `check`'s result on it. */
  async function checkWith(edit: Record<string, (text: string) => string>): Promise<Result> {
    const dir = await fs.mkdtemp(path.join(root, 'broken-'));
    await fs.cp(SHOP, dir, { recursive: true });
    for (const [file, change] of Object.entries(edit)) {
      const target = path.join(dir, file);
      await fs.writeFile(target, change(await fs.readFile(target, 'utf8').catch(() => '')));
    }
    return cli(['check', '--project', dir]);
  }
  const cases: [string, Record<string, (t: string) => string>, RegExp, RegExp?][] = [
    ['a file that is not YAML', { 'datasets/clients.yml': (t) => `${t}\n  - bad: [unclosed\n` }, /^error: datasets\/clients\.yml:\d+: not valid YAML/],
    ['a tab indenting line 3: that line is named', { 'datasets/clients.yml': () => 'description: x\nfiles: "clients*.csv"\n\tkey: id_client\n' }, /^error: datasets\/clients\.yml:3: not valid YAML: Tabs are not allowed as indentation/],
    ['a key given twice: the line of the second', { 'kpis/resume.yml': (t) => t.replace(/^title:/m, 'title: x\ntitle:') }, /^error: kpis\/resume\.yml:2: not valid YAML: Map keys must be unique/],
    ['an unknown key, with the key meant', { 'datasets/achats.yml': (t) => t.replace('partition_by:', 'partition_bye:') }, /^error: datasets\/achats\.yml:\d+: field "partition_bye": unknown key \(did you mean "partition_by"\?\)$/, /keys allowed here are: .*partition_by/],
    ["an unknown key of a column (written in its long form), with the key meant", { 'datasets/clients.yml': (t) => t.replace('id_client: { type: integer', 'id_client: { tpye: integer') }, /^error: datasets\/clients\.yml:5: field "columns\.id_client\.tpye": unknown key \(did you mean "type"\?\)$/, /keys allowed here are: type, /],
    ['a column name with an accent', { 'datasets/clients.yml': (t) => t.replace('  nom:', '  libellé:') }, /^error: datasets\/clients\.yml:\d+: field "columns\.libellé": "libellé": column names are snake_case/, /write libelle \(a header "libellé" still fills it/],
    ['an unknown column type', { 'datasets/clients.yml': (t) => t.replace('id_client: { type: integer', 'id_client: { type: int') }, /^error: datasets\/clients\.yml:5: field "columns\.id_client\.type": "int" is not allowed here \(did you mean "integer"\?\)$/, /write one of: integer, number, decimal, date, timestamp, text, boolean/],
    ['a Unix time format misspelled: the keywords, and the one meant', { 'datasets/achats.yml': (t) => t.replace('date_achat: { type: timestamp,', 'date_achat: { type: timestamp, format: unix_secs,') }, /^error: datasets\/achats\.yml:7: field "columns\.date_achat\.format": "unix_secs": neither a strptime format \(a % before each field, e\.g\. "%m\/%d\/%Y"\) nor one of unix_seconds, unix_milliseconds \(Unix time\) \(did you mean "unix_seconds"\?\)$/],
    ["a strptime field DuckDB has not (%D): named at check, with the one meant, not a run's internal error", { 'datasets/clients.yml': (t) => t.replace('date_inscription: { type: date,', 'date_inscription: { type: date, format: "%Y-%m-%D",') }, /field "columns\.date_inscription\.format": "%Y-%m-%D": DuckDB's strptime has no %D \(did you mean %d\?\): its fields are %a %A/],
    ["strptime's %s, which DuckDB has not: the keyword to write", { 'datasets/achats.yml': (t) => t.replace('date_achat: { type: timestamp,', 'date_achat: { type: timestamp, format: ["%Y-%m-%d", "%s"],') }, /field "columns\.date_achat\.format\.1": "%s": DuckDB's strptime has no %s: for seconds since 1970, write format: unix_seconds/],
    ['Unix time on a date column', { 'datasets/clients.yml': (t) => t.replace('date_inscription: { type: date,', 'date_inscription: { type: date, format: unix_seconds,') }, /field "columns\.date_inscription\.format": unix_seconds reads instants: it applies to timestamp columns; date_inscription is date$/, /declare date_inscription: \{ type: timestamp, format: unix_seconds \}/],
    ['a key that is not a column', { 'datasets/achats.yml': (t) => t.replace('key: id_achat', 'key: id_achats') }, /^error: datasets\/achats\.yml:\d+: field "key": "id_achats" is not a declared column \(did you mean "id_achat"\?\)$/],
    ['a rule on a missing column', { 'datasets/achats.yml': (t) => t.replace('{ rule: positive, column: montant', '{ rule: positive, column: amount') }, /^error: datasets\/achats\.yml:\d+: field "rules\.0\.column": "amount" is not a declared column/],
    ['an unknown rule', { 'datasets/achats.yml': (t) => t.replace('rule: positive', 'rule: positiv') }, /^error: datasets\/achats\.yml:\d+: field "rules\.0\.rule": unknown rule "positiv" \(did you mean "positive"\?\)$/],
    ['a rule on a column of the wrong type', { 'datasets/achats.yml': (t) => t.replace('{ rule: positive, column: montant', '{ rule: positive, column: produit') }, /rule positive applies to integer, number or decimal columns; produit is text/],
    ['a reference to an unknown dataset', { 'datasets/achats.yml': (t) => t.replace('dataset: clients', 'dataset: client') }, /^error: datasets\/achats\.yml:\d+: field "references\.0\.dataset": no dataset "client" \(did you mean "clients"\?\)$/],
    ['a reference between columns of other types', { 'datasets/achats.yml': (t) => t.replace('id_client: { type: integer', 'id_client: { type: text') }, /achats\.id_client is text but clients\.id_client is integer: they cannot match/],
    ['one exact header declared for two columns', { 'datasets/clients.yml': (t) => t.replace(/^ {2}nom: \{ type: text/m, '  nom: { type: text, header: "Email"').replace(/^ {2}email: \{ type: text/m, '  email: { type: text, header: "Email"') }, /^error: datasets\/clients\.yml:\d+: field "columns\.email\.header": nom has header "Email" too$/, /give each column the header it has in the files, spelled exactly/],
    ['overlapping file globs', { 'datasets/clients.yml': (t) => t.replace('files: "clients*.csv"', 'files: "*.csv"') }, /datasets\/clients\.yml:2: field "files": its files "\*\.csv" and those of dataset achats \("achats\*\.csv"\) can match the same file name/],
    ['a dataset named after a lake folder', { 'datasets/quarantine.yml': () => 'columns:\n  a: text\n' }, /a dataset may not be called "quarantine"/],
    ['a file name that is not snake_case', { 'kpis/Top-Products.yml': () => 'title: x\nsql: SELECT 1 AS a\ncolumns:\n  a: integer\n' }, /kpis\/Top-Products\.yml: the file name must be snake_case/],
    ['a file name starting with a digit, given a name that loads', { 'kpis/1bad.yml': () => 'title: x\nsql: SELECT 1 AS a\ncolumns:\n  a: integer\n' }, /kpis\/1bad\.yml: the file name must be snake_case/, /rename it, e\.g\. kpis\/kpi_1bad\.yml/],
    ['a KPI in two files (.yml and .yaml)', { 'kpis/resume.yaml': () => 'title: x\nsql: SELECT 1 AS a\ncolumns:\n  a: integer\n' }, /kpis\/resume\.ya?ml(:\d+)?: KPI resume is declared twice \(\.yml and \.yaml\)/, /keep one of kpis\/resume\.yml and kpis\/resume\.yaml/],
    ['a KPI named after an API route', { 'kpis/runs.yml': () => 'title: x\nsql: SELECT 1 AS a\ncolumns:\n  a: integer\n' }, /a KPI may not be called "runs": \/api\/runs is a route of the API/],
    // /api/health is no route: the reason given is the true one.
    ['a KPI named after a route outside /api', { 'kpis/health.yml': () => 'title: x\nsql: SELECT 1 AS a\ncolumns:\n  a: integer\n' }, /a KPI may not be called "health": \/health is a route of the server, and \/api\/health would read as it/],
    ['a KPI named openapi', { 'kpis/openapi.yml': () => 'title: x\nsql: SELECT 1 AS a\ncolumns:\n  a: integer\n' }, /may not be called "openapi": \/openapi\.json is a route of the server/],
    ['a reserved filter parameter', { 'kpis/ca_par_pays.yml': (t) => t.replace('filters: { pays: pays }', 'filters: { limit: pays }') }, /the query parameter "limit" is reserved/],
    ['a chart of a type misspelled: the type meant, not the shape of every chart', { 'kpis/volumes_mois.yml': (t) => t.replace('chart: { type: line,', 'chart: { type: lines,') }, /^error: kpis\/volumes_mois\.yml:\d+: field "chart\.type": "lines" is not allowed here \(did you mean "line"\?\)$/, /write one of: bar, line, pie/],
    ['a chart on an undeclared column', { 'kpis/ca_par_pays.yml': (t) => t.replace('x: pays, y: [ca_total] }\n  - { type: pie', 'x: country, y: [ca_total] }\n  - { type: pie') }, /kpis\/ca_par_pays\.yml:\d+: field "chart\.0\.x": "country" is not one of the declared columns/],
    ['a model reading itself: a cycle of one', { 'models/m_self.sql': () => 'SELECT * FROM m_self' }, /^error: models\/m_self\.sql:1: model m_self reads itself \(FROM m_self\), a cycle of one: a model cannot read its own table$/m, /read the datasets and models it is made from: clients, achats, [^\n]*$/m],
    // DuckDB suggests its own catalog's tables (pg_sequences, pg_am): no use to the project, left out.
    ['a KPI reading a table DuckDB has a catalog name like', { 'kpis/volumes_mois.yml': (t) => t.replace('FROM ventes_jour', 'FROM sequences') }, /^error: kpis\/volumes_mois\.yml:\d+: the SQL of KPI volumes_mois does not compile: Table with name sequences does not exist$/m],
    ['a KPI reading a table that does not exist', { 'kpis/volumes_mois.yml': (t) => t.replace('FROM ventes_jour', 'FROM ventes_jours') }, /^error: kpis\/volumes_mois\.yml:\d+: the SQL of KPI volumes_mois does not compile: Table with name ventes_jours does not exist \(Did you mean "ventes_jour"\?\)$/],
    ['a KPI naming a column that does not exist', { 'kpis/ca_par_pays.yml': (t) => t.replace('SELECT pays,', 'SELECT country,') }, /^error: kpis\/ca_par_pays\.yml:5: the SQL of KPI ca_par_pays does not compile: Referenced column "country" not found in FROM clause/],
    ['a KPI whose SQL returns other columns than declared', { 'kpis/resume.yml': (t) => t.replace('count(DISTINCT pays) AS nb_pays', 'count(DISTINCT pays) AS pays') }, /kpis\/resume\.yml:\d+: its SQL returns columns \(ca_total, nb_achats, panier_moyen, pays\) but it declares \(ca_total, nb_achats, panier_moyen, nb_pays\)/],
    ['a KPI column of another type than declared', { 'kpis/resume.yml': (t) => t.replace('nb_pays: { type: integer', 'nb_pays: { type: date') }, /kpis\/resume\.yml:\d+: column "nb_pays" is declared date but its SQL returns BIGINT/, /cast it in the SELECT/],
    ['a model reading a missing column', { 'models/dim_clients.sql': (t) => t.replace('nom, email', 'name, email') }, /^error: models\/dim_clients\.sql:1: the SQL of model dim_clients does not compile: Referenced column "name" not found/],
    ['models reading each other in a cycle', { 'models/dim_temps.sql': (t) => t.replace('FROM ventes_jour', 'FROM ventes_jour, fact_achats'), 'models/fact_achats.sql': (t) => t.replace('FROM achats a', 'FROM achats a, dim_temps t') }, /models read each other in a cycle: (dim_temps → fact_achats → dim_temps|fact_achats → dim_temps → fact_achats)/],
    ['a model test on a column the model does not return', { 'models/dim_clients.yml': (t) => t.replace('not_null: pays', 'not_null: country') }, /models\/dim_clients\.yml: tests\[1\]: not_null names column "country", which the model does not return/],
    ['a tab showing an unknown KPI', { 'datalake.yml': (t) => t.replace('kpis: [croissance]', 'kpis: [croisance]') }, /datalake\.yml:\d+: field "dashboard\.tabs\.2\.kpis\.0": no KPI "croisance" \(did you mean "croissance"\?\)/],
    ['a project name that cannot prefix buckets', { 'datalake.yml': (t) => t.replace('name: shop', 'name: My Shop') }, /datalake\.yml:\d+: field "name": "My Shop": a short lowercase id/],
  ];
  for (const [what, edit, message, hint] of cases) test(what, async () => assertError(await checkWith(edit), message, hint));

  test('a folder without datalake.yml, given as --project', async () => {
    assertError(await cli(['check', '--project', root]), /--project .*: that folder has no datalake\.yml/, /datalake init/);
  });

  test('a KPI returning personal values, under their name or another, is valid but named: every caller gets it unmasked', async () => {
    const dir = await fs.mkdtemp(path.join(root, 'personal-kpi-'));
    await fs.cp(SHOP, dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'kpis', 'top_clients.yml'), 'title: Top clients\nsql: SELECT lower(email) AS contact, count(*) AS n FROM clients GROUP BY 1\ncolumns:\n  contact: { type: string }\n  n: { type: integer }\nchart: { type: table }\n');
    const r = await cli(['check', '--project', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /⚠ kpis\/top_clients\.yml: KPI top_clients returns personal data \(contact, from columns declared personal\): \/api\/top_clients serves it to every caller, unmasked/);
    assert.doesNotMatch(r.stdout, /KPI ca_par_pays returns personal/);
  });

  test('run: a model reading itself is said to be a cycle of one, not a missing table', async () => {
    const dir = path.join(root, 'model-self');
    await fs.cp(SHOP, dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'models', 'm_self.sql'), 'SELECT * FROM m_self\n');
    const env = { DATA_DIR: path.join(root, 'model-self-data') };
    assert.equal((await cli(['generate', '--clients', '20', '--achats', '50', '--project', dir], { env })).code, 0);
    // Said before any data work, in check's words (with the line).
    assertError(await cli(['run', '--project', dir], { env }), /^error: models\/m_self\.sql:1: model m_self reads itself \(FROM m_self\), a cycle of one: a model cannot read its own table$/);
  });

  test('run after a KPI changed compiles its SQL first: check\'s line, before bronze takes a new file', async () => {
    const dir = path.join(root, 'kpi-changed-run');
    await fs.cp(SHOP, dir, { recursive: true });
    const env = { DATA_DIR: path.join(root, 'kpi-changed-run-data') };
    assert.equal((await cli(['generate', '--clients', '20', '--achats', '50', '--project', dir], { env })).code, 0);
    assert.equal((await cli(['run', '--project', dir], { env })).code, 0);
    const kpi = path.join(dir, 'kpis', 'volumes_mois.yml');
    await fs.writeFile(kpi, (await fs.readFile(kpi, 'utf8')).replace('FROM ventes_jour', 'FROM ventes_jours'));
    // A new day's file waits in sources: a run that does the data work first would ingest it.
    await fs.writeFile(path.join(dir, 'sources', 'achats_2030-01-01.csv'), (await fs.readFile(path.join(dir, 'sources', 'achats.csv'), 'utf8')).split('\n').slice(0, 3).join('\n'));
    const check = await cli(['check', '--project', dir], { env });
    const run = await cli(['run', '--project', dir], { env });
    const line = /^error: kpis\/volumes_mois\.yml:\d+: the SQL of KPI volumes_mois does not compile: Table with name ventes_jours does not exist \(Did you mean "ventes_jour"\?\)$/;
    assertError(check, line);
    assertError(run, line, /it can read the datasets and models: clients, achats/);
    assert.equal(run.stderr, check.stderr, 'the same error, the same hint');
    assert.doesNotMatch(run.stdout + run.stderr, /bronze|--resume/);
    const history = await cli(['history', '--project', dir], { env });
    assert.match(history.stdout, /^v1 /m);
    assert.doesNotMatch(history.stdout, /^v2 /m, 'nothing committed');
    const bronze = await fs.readdir(path.join(env.DATA_DIR, 'lake', 'bronze', 'achats'), { recursive: true });
    assert.ok(!bronze.some((f) => String(f).includes('achats_2030-01-01')), 'the new file was not ingested');
  });

  test('a KPI whose SQL compiles but fails on the data: one line naming its file, no resume suggested, nothing published', async () => {
    const dir = path.join(root, 'kpi-fails');
    await fs.cp(SHOP, dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'kpis', 'boom.yml'), 'title: Boom\nsql: SELECT CAST(pays AS INTEGER) AS v FROM clients\ncolumns:\n  v: { type: integer }\nchart: { type: table }\n');
    const env = { DATA_DIR: path.join(root, 'kpi-fails-data') };
    assert.equal((await cli(['check', '--project', dir], { env })).code, 0, 'check compiles it');
    assert.equal((await cli(['generate', '--clients', '20', '--achats', '50', '--project', dir], { env })).code, 0);
    const r = await cli(['run', '--project', dir], { env });
    assertError(r, /^error: kpis\/boom\.yml: its SQL fails on the data: Conversion Error: Could not convert string '[^']+' to INT32/, /fix the SQL in kpis\/boom\.yml \(TRY_CAST gives NULL where CAST fails on a value\)/);
    assert.doesNotMatch(r.stderr + r.stdout, /unexpected|please report|--resume/);
    assert.match((await cli(['show', 'ca_par_pays', '--project', dir], { env })).stderr, /KPI ca_par_pays has not been published yet/);
  });

  test('a model or KPI holding two statements: check and run refuse it, naming the file, and run neither statement', async () => {
    const dir = path.join(root, 'two-statements');
    await fs.cp(SHOP, dir, { recursive: true });
    const written = path.join(root, 'two-statements-written.csv');
    const model = path.join(dir, 'models', 'dim_clients.sql');
    const sql = await fs.readFile(model, 'utf8');
    await fs.writeFile(model, `${sql.trim().replace(/;$/, '')};\nCOPY (SELECT 42 AS y) TO '${written}'\n`);
    const env = { DATA_DIR: path.join(root, 'two-statements-data') };
    const refused = /^error: models\/dim_clients\.sql: the SQL of model dim_clients holds 2 statements; it must be one SELECT$/;
    assertError(await cli(['check', '--project', dir], { env }), refused, /remove what follows its ";"/);
    assert.equal((await cli(['generate', '--clients', '20', '--achats', '50', '--project', dir], { env })).code, 0);
    assertError(await cli(['run', '--project', dir], { env }), refused);
    await assert.rejects(fs.stat(written), { code: 'ENOENT' }, 'the second statement never ran');

    await fs.writeFile(model, sql);
    const kpi = path.join(dir, 'kpis', 'resume.yml');
    await fs.writeFile(kpi, (await fs.readFile(kpi, 'utf8')).replace('FROM ', `FROM (SELECT 1); COPY (SELECT 1) TO '${written}'; SELECT 1 FROM `));
    assertError(await cli(['check', '--project', dir], { env }), /^error: kpis\/resume\.yml:\d+: the SQL of KPI resume holds 3 statements; it must be one SELECT$/);
    await assert.rejects(fs.stat(written), { code: 'ENOENT' });
  });

  test('a folder where a definition file or .env belongs: one line naming it, not an unexpected error', async () => {
    for (const rel of ['datalake.yml', 'kpis/foo.yml', 'datasets/foo.yml', 'models/m.sql']) {
      const dir = await fs.mkdtemp(path.join(root, 'folder-'));
      await fs.cp(SHOP, dir, { recursive: true });
      await fs.rm(path.join(dir, rel), { force: true });
      await fs.mkdir(path.join(dir, rel), { recursive: true });
      for (const command of ['check', 'kpis']) {
        assertError(await cli([command], { cwd: dir }), new RegExp(`^error: ${rel.replace('.', '\\.')} is a folder, not a file$`), /remove or rename the folder/);
      }
    }
    const dir = await fs.mkdtemp(path.join(root, 'env-folder-'));
    await fs.cp(SHOP, dir, { recursive: true });
    await fs.mkdir(path.join(dir, '.env'));
    assertError(await cli(['kpis'], { cwd: dir }), /^error: .*\/\.env is not a file$/, /\.env is a file of NAME=value lines/);
  });

  test('a file given as --project: its folder, or init from it', async () => {
    const csv = path.join(root, 'orders.csv');
    await fs.writeFile(csv, 'id\n1\n');
    assertError(await cli(['check', '--project', csv]), /--project .*orders\.csv: a file, not a project folder/, /datalake init <folder> --from-csv .*orders\.csv/);
    assertError(await cli(['init', csv, '--from-csv', csv]), /^error: cannot make the folder .*orders\.csv: a file of that name exists$/);
  });
});

describe('dashboard tabs', () => {
  const PANIER = `title: { fr: Panier par produit, en: Basket by product }
sql: SELECT produit, count(*) AS nb_achats FROM fact_achats GROUP BY produit ORDER BY produit
columns:
  produit: { type: string }
  nb_achats: { type: integer }
chart: { type: bar, x: produit, y: [nb_achats] }
`;

  test('with tabs declared, a KPI file no tab lists gets a tab of its own after them; a KPI of cards only stays on the home page', async () => {
    const dir = await fs.mkdtemp(path.join(root, 'unlisted-'));
    await fs.cp(SHOP, dir, { recursive: true });
    const declared = loadProject(dir).tabs.map((t) => t.id);
    assert.deepEqual(declared, ['ca-pays', 'volumes', 'croissance', 'distribution'], 'resume (cards) has none: the home page shows it');
    await fs.writeFile(path.join(dir, 'kpis', 'panier_par_produit.yml'), PANIER);
    // A declared tab named as the KPI keeps its id: the KPI's own tab takes another.
    await fs.writeFile(path.join(dir, 'kpis', 'marge.yml'), PANIER.replace(/^title: .*$/m, 'title: Marge'));
    const yml = path.join(dir, 'datalake.yml');
    await fs.writeFile(yml, (await fs.readFile(yml, 'utf8')).replace('{ id: croissance,', '{ id: marge,'));
    const project = loadProject(dir);
    assert.deepEqual(
      project.tabs.map((t) => [t.id, t.kpis, t.title.en]),
      [
        ['ca-pays', ['ca_par_pays'], 'Revenue by country'],
        ['volumes', ['volumes_jour', 'volumes_semaine', 'volumes_mois', 'volumes_annee'], 'Volumes'],
        ['marge', ['croissance'], 'Growth'],
        ['distribution', ['distribution', 'histogramme_montants'], 'Distribution'],
        ['kpi-marge', ['marge'], 'Marge'],
        ['panier_par_produit', ['panier_par_produit'], 'Basket by product'],
      ],
    );
    assert.equal(project.tabsDeclared, true);
  });
});

describe('check --sources', () => {
  test('names the columns a file lacks and prints the lines to add for new ones', async () => {
    const dir = path.join(root, 'drift');
    await fs.cp(SHOP, dir, { recursive: true });
    await fs.mkdir(path.join(dir, 'sources'));
    await fs.writeFile(path.join(dir, 'sources', 'clients.csv'), 'id_client,nom,email,date_inscription,pays,Loyalty Points,Birth Date\n1,A,a@x,2025-01-01,France,12,1990-05-01\n');
    await fs.writeFile(path.join(dir, 'sources', 'achats.csv'), 'id_achat,id_client,date_achat,produit\n1,1,2026-01-01 10:00:00,Phone\n');
    await fs.writeFile(path.join(dir, 'sources', 'stock.csv'), 'sku,qty\n1,2\n');
    await fs.writeFile(path.join(dir, 'sources', 'achats_vide.csv'), '');
    const r = await cli(['check', '--sources', '--project', dir]);
    assert.equal(r.code, 1, 'a file that would wait in quarantine is a problem');
    assert.match(r.stdout, /✖ achats\.csv → achats: waits in quarantine: achats\.csv: missing column montant/);
    assert.match(r.stdout, /• clients\.csv → clients: extra columns ignored\n {4}add under columns: in datasets\/clients\.yml:\n {6}loyalty_points: \{ type: integer \} {3}# header "Loyalty Points"\n {6}birth_date: \{ type: date \} {3}# header "Birth Date"/);
    assert.match(r.stdout, /✖ stock\.csv: matches no dataset/);
    // Said as bronze says it, not as a header naming nothing.
    assert.match(r.stdout, /✖ achats_vide\.csv → achats: waits in quarantine: achats_vide\.csv is empty \(0 bytes\) \(a source file needs at least its header line, naming its columns\)/);
  });

  test('a name repeated in another spelling (`Email`, then `EMAIL`): the line to add declares the repeat with its exact header, and the file then loads each value in its column', async () => {
    const dir = path.join(root, 'drift-spelling');
    await fs.mkdir(path.join(dir, 'datasets'), { recursive: true });
    await fs.mkdir(path.join(dir, 'sources'));
    await fs.mkdir(path.join(dir, 'kpis'));
    await fs.writeFile(path.join(dir, 'datalake.yml'), 'name: drift-spelling\n');
    await fs.writeFile(path.join(dir, 'kpis', 'contacts_count.yml'), 'title: Contacts\nsql: SELECT count(*) AS n FROM contacts\ncolumns:\n  n: { type: integer }\nchart: { type: cards }\n');
    const definition = 'files: "contacts*.csv"\nkey: id\ncolumns:\n  id: { type: integer }\n  email: { type: text }\n';
    await fs.writeFile(path.join(dir, 'datasets', 'contacts.yml'), definition);
    await fs.writeFile(path.join(dir, 'sources', 'contacts.csv'), 'id,EMAIL,Email\n1,A@WORK.COM,a@home.com\n');
    const r = await cli(['check', '--sources', '--project', dir]);
    assert.match(r.stdout, /✖ contacts\.csv → contacts: waits in quarantine: contacts\.csv: column "email" appears twice in the header\n {4}add under columns: in datasets\/contacts\.yml:\n {6}email_2: \{ type: text, header: "Email" \}$/m, r.stdout);
    await fs.writeFile(path.join(dir, 'datasets', 'contacts.yml'), `${definition}  email_2: { type: text, header: "Email" }\n`);
    assert.match((await cli(['check', '--sources', '--project', dir])).stdout, /✔ contacts\.csv → contacts: matches/);
    const dataDir = path.join(root, 'drift-spelling-data');
    const run = await cli(['run', '--json', '--project', dir], { env: { DATA_DIR: dataDir } });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await silverRows(dataDir, 'contacts', JSON.parse(run.stdout).runId, 'SELECT id, email, email_2 FROM $t'), [{ id: 1, email: 'A@WORK.COM', email_2: 'a@home.com' }]);
  });

  test('a folder named like a CSV is set aside as bronze sets it aside, not an unexpected error', async () => {
    const dir = path.join(root, 'folder-source');
    await fs.cp(SHOP, dir, { recursive: true });
    await fs.mkdir(path.join(dir, 'sources', 'clients_2026.csv'), { recursive: true });
    const r = await cli(['check', '--sources', '--project', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /✖ clients_2026\.csv → clients: waits in quarantine: not a regular file: a folder; only regular files \(or links to them\) are read/);
  });
});

describe('schema drift policies', () => {
  test('on_extra_columns: fail refuses a file with undeclared columns before anything is written; ignore names them', async () => {
    const dir = path.join(root, 'strict');
    await fs.cp(SHOP, dir, { recursive: true });
    await fs.appendFile(path.join(dir, 'datasets', 'clients.yml'), 'on_extra_columns: fail\n');
    await fs.mkdir(path.join(dir, 'sources'));
    await fs.writeFile(path.join(dir, 'sources', 'clients.csv'), 'id_client,nom,email,date_inscription,pays,VIP\n1,A,a@x,2025-01-01,France,yes\n');
    await fs.writeFile(path.join(dir, 'sources', 'achats.csv'), 'id_achat,id_client,date_achat,montant,produit\n1,1,2026-01-01 10:00:00,5,Phone\n');
    assertError(await cli(['run'], { cwd: dir }), /^error: clients\.csv: column "VIP" not declared in datasets\/clients\.yml \(on_extra_columns: fail\)$/, /datalake check --sources/);
    await assert.rejects(fs.access(path.join(dir, 'data', 'lake', 'bronze', '_manifest.json')), 'nothing was written');
    await fs.writeFile(path.join(dir, 'datasets', 'clients.yml'), (await fs.readFile(path.join(dir, 'datasets', 'clients.yml'), 'utf8')).replace('on_extra_columns: fail', 'on_extra_columns: ignore'));
    const ok = await cli(['run'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /bronze: clients\.csv: columns not in its definition, ignored: VIP/);
  });

  test('generate refuses a project that has no clients and achats datasets', async () => {
    assertError(await cli(['generate'], { cwd: path.join(root, 'from-csv') }), /generate writes the shop's sample files \(clients\.csv, achats\.csv\), which project from-csv has no dataset for/);
  });
});

describe('which project, and projects kept apart', () => {
  test('DATALAKE_PROJECT, --project and the nearest datalake.yml pick the project; with none, the built-in shop', async () => {
    const nested = path.join(root, 'my shop', 'sources');
    const fromInside = await cli(['kpis', '--json'], { cwd: nested });
    assert.equal(JSON.parse(fromInside.stdout).length, 9);
    const viaEnv = await cli(['doctor', '--json'], { env: { DATALAKE_PROJECT: path.join(root, 'from-csv') } });
    assert.match(JSON.parse(viaEnv.stdout).mode.project, /^from-csv at /);
    const builtIn = await cli(['doctor', '--json'], { cwd: os.tmpdir(), env: { DATA_DIR: path.join(root, 'builtin-data') } });
    assert.match(JSON.parse(builtIn.stdout).mode.project, /^shop \(built-in example/);
  });

  test('a command reads the project from the cache while its files are unchanged, and sees every change to them', async () => {
    const dir = await fs.mkdtemp(path.join(root, 'cached-'));
    await fs.cp(SHOP, dir, { recursive: true });
    const cacheHome = path.join(dir, '.cache-home');
    const env = { XDG_CACHE_HOME: cacheHome, DATALAKE_PROJECT: dir };
    const titles = async () => {
      const r = await cli(['kpis', '--json'], { env });
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { id: string; title: { en: string } }[]).map((k) => `${k.id}: ${k.title.en}`);
    };
    const first = await titles();
    const [entry, ...others] = await fs.readdir(path.join(cacheHome, 'datalake'));
    assert.ok(entry && others.length === 0, 'one entry for the project');
    // What the next command serves is the entry: marked by hand, the mark shows.
    const file = path.join(cacheHome, 'datalake', entry);
    const cached = JSON.parse(await fs.readFile(file, 'utf8'));
    cached.project.kpis[0].title.en = 'From the cache';
    await fs.writeFile(file, JSON.stringify(cached));
    assert.equal((await titles())[0], 'ca_par_pays: From the cache');

    // Any change to a definition file is seen at once (and the project is loaded again).
    const kpi = path.join(dir, 'kpis', 'volumes_mois.yml');
    const text = await fs.readFile(kpi, 'utf8');
    await fs.writeFile(kpi, text.replace('en: Monthly volumes', 'en: Volumes by month'));
    const edited = await titles();
    assert.equal(edited[0], first[0]);
    assert.ok(edited.includes('volumes_mois: Volumes by month'), edited.join('\n'));
    // A broken file is reported with its line although an entry exists; mended, the project loads.
    await fs.writeFile(path.join(dir, 'datasets', 'clients.yml'), `${await fs.readFile(path.join(SHOP, 'datasets', 'clients.yml'), 'utf8')}\n  - bad: [unclosed\n`);
    assertError(await cli(['kpis'], { env }), /^error: datasets\/clients\.yml:\d+: not valid YAML/);
    await fs.cp(path.join(SHOP, 'datasets', 'clients.yml'), path.join(dir, 'datasets', 'clients.yml'));
    await fs.writeFile(kpi, text);
    assert.deepEqual(await titles(), first);
    // An entry that is not JSON is loaded again, not an error.
    await fs.writeFile(file, '{ not json');
    assert.deepEqual(await titles(), first);
  });

  test(".env is read from the working folder, then from the project folder (the first one read wins)", async () => {
    const project = path.join(root, 'from-csv');
    const work = path.join(root, 'work-env');
    await fs.mkdir(work, { recursive: true });
    await fs.writeFile(path.join(project, '.env'), `DATA_DIR=${path.join(root, 'from-project-env')}\nSERVING_DB=${path.join(root, 'project.sqlite')}\n`);
    const fromProject = JSON.parse((await cli(['doctor', '--json', '--project', project], { cwd: work })).stdout);
    assert.match(fromProject.mode.lake, /from-project-env/);
    assert.match(fromProject.mode.serving, /project\.sqlite/);
    await fs.writeFile(path.join(work, '.env'), `DATA_DIR=${path.join(root, 'from-work-env')}\n`);
    const fromWork = JSON.parse((await cli(['doctor', '--json', '--project', project], { cwd: work })).stdout);
    assert.match(fromWork.mode.lake, /from-work-env/);
    assert.match(fromWork.mode.serving, /project\.sqlite/, 'what the working folder does not set comes from the project');
    await fs.rm(path.join(project, '.env'));
  });

  test('two projects with their own DATA_DIR never see each other\'s data; on shared services the names are prefixed', async () => {
    const a = loadConfig({ DATALAKE_PROJECT: path.join(root, 'my shop') });
    const b = loadConfig({ DATALAKE_PROJECT: path.join(root, 'from-csv') });
    assert.notEqual(a.lakeDir, b.lakeDir);
    assert.notEqual(a.servingDbPath, b.servingDbPath);
    const kpisOf = async (config: typeof a) => {
      const serving = openServingStore(config);
      try {
        return Object.keys((await serving.lastPublish())!.tables).sort();
      } finally {
        await serving.close();
      }
    };
    assert.ok((await kpisOf(a)).includes('kpi_ca_par_pays'));
    assert.deepEqual(await kpisOf(b), ['kpi_orders_amount_per_month']);
    // A second run of one project changes nothing in the other.
    const before = await kpisOf(b);
    assert.equal((await runPipeline({ config: a, fullRefresh: true })).error, undefined);
    assert.deepEqual(await kpisOf(b), before);

    const shared = { MINIO_ENDPOINT: 'localhost:9000', MINIO_ACCESS_KEY: 'k', MINIO_SECRET_KEY: 's', MONGO_URI: 'mongodb://localhost:27017' };
    const shop = loadConfig({ ...shared, DATA_DIR: path.join(root, 'x') });
    const other = loadConfig({ ...shared, DATALAKE_PROJECT: path.join(root, 'from-csv') });
    assert.deepEqual([shop.names, shop.mongo!.db], [{ bucketPrefix: '', queuePrefix: '' }, 'datalake'], "the shop keeps the seed's names");
    assert.deepEqual([other.names, other.mongo!.db], [{ bucketPrefix: 'from-csv-', queuePrefix: 'from-csv-' }, 'from-csv-datalake']);
  });
});
