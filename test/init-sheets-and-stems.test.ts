import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// Spreadsheet exports through the built CLI: the blank rows Excel and Google Sheets save as `,,`, and
// files of two tables whose names share a stem (orders.csv, orders_lines.csv), followed by later dated files.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-sheets-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

const orderRows = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `ORD-${String(from + k).padStart(4, '0')},Alice ${(from + k) % 9},${((from + k) * 1.5).toFixed(2)}`);

test('init --from-csv: rows of empty fields only (a spreadsheet\'s blank rows, at the end or among the data) are no rows, as the run drops them: the key is found', async () => {
  const csvs = path.join(root, 'sheets');
  await fs.mkdir(csvs, { recursive: true });
  const header = 'Order ID,Customer,Amount';
  const files: Record<string, string> = {
    'sheet.csv': `${[header, ...orderRows(0, 100), ...Array(5).fill(',,')].join('\n')}\n`,
    // Excel's "CSV UTF-8": a byte-order mark, CRLF line ends, 20 blank rows after the data.
    'excel.csv': `\ufeff${[header, ...orderRows(0, 100), ...Array(20).fill(',,')].join('\r\n')}\r\n`,
    // Blank rows among the data too, one of spaces, and quoted empty fields.
    'gsheet.csv': `${[header, ...orderRows(0, 50), ',,', '  , ,', '"","",""', ...orderRows(50, 100), ',,'].join('\n')}\n`,
    // An order's lines: no column alone is unique, the order and its line number together are.
    'lines.csv': `${['order_id,line_no,sku', 'O1,1,X', 'O1,2,Y', 'O2,1,X', 'O2,2,Z', 'O3,1,X', ',,', ',,'].join('\n')}\n`,
  };
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(csvs, name), text);
  const dir = path.join(root, 'sheets-project');
  const init = await runCli(['init', dir, '--from-csv', ...Object.keys(files).map((f) => path.join(csvs, f)), '--json'], {});
  assert.equal(init.code, 0, init.stderr);
  const written = JSON.parse(init.stdout) as { datasets: { name: string; rows: number; key: string[]; emptyRows: number; unreadLines: number }[] };
  assert.deepEqual(
    written.datasets.map((d) => [d.name, d.rows, d.key, d.emptyRows, d.unreadLines]),
    [
      ['sheet', 100, ['order_id'], 5, 0],
      ['excel', 100, ['order_id'], 20, 0],
      ['gsheet', 100, ['order_id'], 4, 0],
      ['lines', 5, ['order_id', 'line_no'], 2, 0],
    ],
  );
  const sheet = await fs.readFile(path.join(dir, 'datasets', 'sheet.yml'), 'utf8');
  assert.match(sheet, /^# Inferred by `datalake init --from-csv` from sheet\.csv \(100 rows\)/m);
  assert.match(sheet, /^key: order_id$/m);
  assert.match(sheet, /^# 5 rows have every field empty \(blank rows a spreadsheet saves as ,,\): not counted as rows, as the run drops them/m);
  // Every row fills customer and amount once the blank ones are left out.
  const gsheet = await fs.readFile(path.join(dir, 'datasets', 'gsheet.yml'), 'utf8');
  assert.match(gsheet, /^ {2}amount: \{ type: number \}/m);
  // Said in init's own output too.
  const text = await runCli(['init', path.join(root, 'sheets-text'), '--from-csv', path.join(csvs, 'sheet.csv')], {});
  assert.match(text.stdout, /^ {2}datasets\/sheet\.yml {2}from sheet\.csv: 100 rows, 3 columns, key order_id; 5 empty rows \(every field empty\) left out, as `run` leaves them out$/m);

  const dataDir = path.join(root, 'sheets-data');
  const run = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  const datasets = summary.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets;
  assert.deepEqual(
    ['sheet', 'excel', 'gsheet', 'lines'].map((d) => [d, datasets[d].rows, datasets[d].emptyRows, datasets[d].quarantined]),
    [['sheet', 100, 5, 0], ['excel', 100, 20, 0], ['gsheet', 100, 4, 0], ['lines', 5, 2, 0]],
  );
  assert.deepEqual(await silverRows(dataDir, 'excel', summary.runId, 'SELECT count(DISTINCT order_id) AS n, sum(amount) AS total FROM $t'), [{ n: 100, total: 7425 }]);
});

test('init --from-csv: files of two tables sharing a stem (orders, orders_lines) get globs that take each one\'s later dated files, and not the other\'s', async () => {
  const csvs = path.join(root, 'stems');
  await fs.mkdir(csvs, { recursive: true });
  await fs.writeFile(path.join(csvs, 'orders.csv'), 'order_id,customer\nO1,a\nO2,b\nO3,a\n');
  await fs.writeFile(path.join(csvs, 'orders_lines.csv'), 'order_id,line_no,sku\nO1,1,X\nO1,2,Y\nO2,1,X\n');
  const dir = path.join(root, 'stems-project');
  const init = await runCli(['init', dir, '--from-csv', path.join(csvs, 'orders.csv'), path.join(csvs, 'orders_lines.csv')], {});
  assert.equal(init.code, 0, init.stderr);
  const orders = await fs.readFile(path.join(dir, 'datasets', 'orders.yml'), 'utf8');
  assert.match(orders, /^files: \[orders\.csv, "orders\[0-9\]\*\.csv", "orders\[-_\. \]\[0-9\]\*\.csv"\]$/m);
  assert.match(orders, /^# Not orders\*\.csv, which would also match the files of dataset orders_lines: its files, and later ones named orders then a date or number/m);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'orders_lines.yml'), 'utf8'), /^files: "orders_lines\*\.csv"$/m);
  const dataDir = path.join(root, 'stems-data');
  const first = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(first.code, 0, first.stderr);
  // The next month's exports of both tables: each loads into its own dataset.
  await fs.writeFile(path.join(dir, 'sources', 'orders_2024-02.csv'), 'order_id,customer\nO4,c\n');
  await fs.writeFile(path.join(dir, 'sources', 'orders_lines_2024-02.csv'), 'order_id,line_no,sku\nO4,1,Z\nO4,2,X\n');
  const second = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  assert.deepEqual(summary.stages[0].details.files, { 'orders.csv': 'unchanged', 'orders_2024-02.csv': 'ingested', 'orders_lines.csv': 'unchanged', 'orders_lines_2024-02.csv': 'ingested' });
  const silver = summary.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets;
  assert.deepEqual([silver.orders.files.length, silver.orders.rowsOut, silver.orders.rows], [1, 1, 4]);
  assert.deepEqual([silver.orders_lines.files.length, silver.orders_lines.rowsOut, silver.orders_lines.rows], [1, 2, 5]);

  // A file of orders' columns whose name its globs miss: check --sources and the run name orders, and the glob to add.
  await fs.writeFile(path.join(dir, 'sources', 'orders_feb.csv'), 'order_id,customer\nO5,d\n');
  await fs.writeFile(path.join(dir, 'sources', 'orders_backfill_3.csv'), 'order_id,customer\nO6,e\n');
  await fs.writeFile(path.join(dir, 'sources', 'refunds.csv'), 'refund_id,amount\nR1,5\n');
  const check = await runCli(['check', '--sources', '--project', dir], { DATA_DIR: dataDir });
  assert.match(check.stdout, /^✖ orders_feb\.csv: matches no dataset \(files: orders\.csv, orders\[0-9\]\*\.csv, orders\[-_\. \]\[0-9\]\*\.csv, orders_lines\*\.csv\)\n {4}its columns are exactly those of dataset orders: add "orders_feb\.csv" to files: in datasets\/orders\.yml \(now orders\.csv, .*\) to load it there$/m);
  assert.match(check.stdout, /^ {4}its columns are exactly those of dataset orders: add "orders_backfill_\[0-9\]\*\.csv" to files: in datasets\/orders\.yml/m);
  // A file of no dataset's columns: a dataset to draft, or a glob to widen, said whole.
  assert.match(check.stdout, /^✖ refunds\.csv: matches no dataset .*\n {4}add datasets\/<name>\.yml for it \(`datalake init <folder> --from-csv refunds\.csv` drafts one\), or widen the files: of the dataset it belongs to so that they match its name$/m);
  const third = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, /^bronze: warning: orders_feb\.csv matches no dataset's files, so it was not loaded; its columns are exactly those of dataset orders: add "orders_feb\.csv" to files: in datasets\/orders\.yml/m);
  assert.doesNotMatch(third.stdout, /warning: refunds\.csv/);
  assert.match(third.stdout, /^bronze: ignored, the name matches no dataset \(.*\): orders_backfill_3\.csv, orders_feb\.csv, refunds\.csv$/m);
});

/** A month of Citi Bike's trips as its monthly files hold them (the first columns), four rides. */
const trips = (month: number) => `ride_id,started_at,start_station_id\n${['A', 'B', 'C', 'D'].map((l, k) => `${l}${month}B2C3D4E5F60718,2024-0${month}-01 00:0${k}:05.${[123, 456, 789, 1][k]!.toString().padStart(3, '0')},${['5788.10', '6140.05', '5329.03', '6364.10'][k]}`).join('\n')}\n`;

test('init --from-csv: monthly files named after a date first (Citi Bike\'s 202401-citibike-tripdata.csv) are one dataset, whose glob takes the next month\'s file', async () => {
  const csvs = path.join(root, 'citibike');
  await fs.mkdir(csvs, { recursive: true });
  const given = [1, 2].map((m) => path.join(csvs, `20240${m}-citibike-tripdata.csv`));
  for (const [k, f] of given.entries()) await fs.writeFile(f, trips(k + 1));
  const dir = path.join(root, 'citibike-project');
  const init = await runCli(['init', dir, '--from-csv', ...given], {});
  assert.equal(init.code, 0, init.stderr);
  assert.deepEqual(await fs.readdir(path.join(dir, 'datasets')), ['citibike_tripdata.yml']);
  const six = '\\[0-9\\]'.repeat(6);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'citibike_tripdata.yml'), 'utf8'), new RegExp(`^files: "${six}-citibike-tripdata\\*\\.csv"$`, 'm'));
  const dataDir = path.join(root, 'citibike-data');
  const first = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(first.code, 0, first.stderr);
  // March's file, dropped into sources/, is loaded by the next run.
  await fs.writeFile(path.join(dir, 'sources', '202403-citibike-tripdata.csv'), trips(3));
  const second = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  assert.deepEqual(summary.stages[0].details.files, { '202401-citibike-tripdata.csv': 'unchanged', '202402-citibike-tripdata.csv': 'unchanged', '202403-citibike-tripdata.csv': 'ingested' });
  const silver = summary.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets;
  assert.deepEqual([silver.citibike_tripdata.rowsOut, silver.citibike_tripdata.rows], [4, 12]);

  // A dataset naming its files (written by hand, or by an older init): the run and doctor give the glob of the date's digits for March's file.
  const yml = path.join(dir, 'datasets', 'citibike_tripdata.yml');
  const text = await fs.readFile(yml, 'utf8');
  await fs.writeFile(yml, text.replace(/^files: .*$/m, 'files: [202401-citibike-tripdata.csv, 202402-citibike-tripdata.csv]'));
  await fs.writeFile(path.join(dir, 'sources', '202404-citibike-tripdata.csv'), trips(4));
  const hint = `add "${six}-citibike-tripdata\\.csv" to files: in datasets/citibike_tripdata\\.yml`;
  const third = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, new RegExp(`^bronze: warning: 202404-citibike-tripdata\\.csv matches no dataset's files, so it was not loaded; its columns are exactly those of dataset citibike_tripdata: ${hint}`, 'm'));
  const doctor = await runCli(['doctor', '--project', dir], { DATA_DIR: dataDir });
  assert.match(doctor.stdout, new RegExp(`202404-citibike-tripdata\\.csv matches no dataset's files .*${hint}`));
  // Added as said, it takes April's file and the months after.
  await fs.writeFile(yml, text.replace(/^files: .*$/m, 'files: [202401-citibike-tripdata.csv, 202402-citibike-tripdata.csv, "[0-9][0-9][0-9][0-9][0-9][0-9]-citibike-tripdata.csv"]'));
  const fourth = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(fourth.code, 0, fourth.stderr);
  assert.equal(JSON.parse(fourth.stdout).stages[0].details.files['202404-citibike-tripdata.csv'], 'ingested');
});

/** Fidelity's positions on a month's last day, as it writes them (a comma after each row). */
const positions = (month: number) => `Account Number,Symbol,Quantity,Current Value\n${['AAPL', 'MSFT', 'VTI'].map((s, k) => `Z123,${s},${10 * (k + 1) + month},$${(1000 + 100 * month + k).toFixed(2)},`).join('\n')}\n`;

test('init --from-csv: monthly exports named with a date naming its month (Fidelity) or a download hash (Mailchimp) are one dataset each, whose glob takes the next export', async () => {
  const csvs = path.join(root, 'month-hash');
  await fs.mkdir(csvs, { recursive: true });
  const given: Record<string, string> = {
    'Portfolio_Positions_Jan-31-2024.csv': positions(1),
    'Portfolio_Positions_Feb-29-2024.csv': positions(2),
    'subscribed_members_export_3f8e2a91c4.csv': '"Email Address","First Name","MEMBER_RATING"\n"a@x.com","Ann","2"\n"b@x.com","Bob","3"\n',
    'cleaned_members_export_3f8e2a91c4.csv': '"Email Address","First Name","CLEAN_TIME"\n"c@x.com","Cy","2024-01-05 10:00:00"\n',
    'unsubscribed_members_export_3f8e2a91c4.csv': '"Email Address","First Name","UNSUB_TIME"\n"d@x.com","Di","2024-01-06 11:00:00"\n',
  };
  for (const [name, text] of Object.entries(given)) await fs.writeFile(path.join(csvs, name), text);
  const dir = path.join(root, 'month-hash-project');
  const init = await runCli(['init', dir, '--from-csv', ...Object.keys(given).map((f) => path.join(csvs, f))], {});
  assert.equal(init.code, 0, init.stderr);
  assert.deepEqual((await fs.readdir(path.join(dir, 'datasets'))).sort(), ['cleaned_members_export.yml', 'portfolio_positions.yml', 'subscribed_members_export.yml', 'unsubscribed_members_export.yml']);
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'portfolio_positions.yml'), 'utf8'), /^files: "Portfolio_Positions\*\.csv"$/m);
  const members = path.join(dir, 'datasets', 'subscribed_members_export.yml');
  assert.match(await fs.readFile(members, 'utf8'), /^files: "subscribed_members_export\*\.csv"$/m);
  const dataDir = path.join(root, 'month-hash-data');
  const first = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(first.code, 0, first.stderr);
  // March's positions and the next members' export, dropped into sources/, are loaded by the next run, each into its dataset.
  await fs.writeFile(path.join(dir, 'sources', 'Portfolio_Positions_Mar-28-2024.csv'), positions(3));
  await fs.writeFile(path.join(dir, 'sources', 'subscribed_members_export_9b1d0e77fa.csv'), '"Email Address","First Name","MEMBER_RATING"\n"e@x.com","Eve","4"\n');
  const second = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  const files = summary.stages[0].details.files;
  assert.deepEqual([files['Portfolio_Positions_Mar-28-2024.csv'], files['subscribed_members_export_9b1d0e77fa.csv']], ['ingested', 'ingested']);
  const silver = summary.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets;
  assert.deepEqual([silver.portfolio_positions.rowsOut, silver.portfolio_positions.rows], [3, 9]);
  assert.deepEqual([silver.subscribed_members_export.rowsOut, silver.subscribed_members_export.rows], [1, 3]);

  // A dataset whose glob names one export's hash (written by an older init): the run gives the glob of its stem for the next one.
  const text = await fs.readFile(members, 'utf8');
  await fs.writeFile(members, text.replace(/^files: .*$/m, 'files: "subscribed_members_export_3f8e2a91c4*.csv"'));
  await fs.rm(path.join(dir, 'sources', 'subscribed_members_export_9b1d0e77fa.csv'));
  await fs.writeFile(path.join(dir, 'sources', 'subscribed_members_export_5c7a0d13be.csv'), '"Email Address","First Name","MEMBER_RATING"\n"f@x.com","Fay","1"\n');
  const third = await runCli(['run', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, /^bronze: warning: subscribed_members_export_5c7a0d13be\.csv matches no dataset's files, so it was not loaded; its columns are exactly those of dataset subscribed_members_export: add "subscribed_members_export_\*\.csv" to files: in datasets\/subscribed_members_export\.yml/m);
});
