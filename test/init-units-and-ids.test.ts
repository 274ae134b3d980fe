import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// What `init --from-csv` types, silver must read, through the built CLI: amounts whose unit follows a
// no-break space (French exports, Excel), and ids written with a decimal point (Citi Bike's stations).

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-units-ids-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

/** `init` of one CSV written as `text` into project `name`; returns the project folder, its data folder and its dataset's definition. */
async function initOne(name: string, file: string, text: string): Promise<{ dir: string; dataDir: string; yaml: string }> {
  const csv = path.join(root, `${name}-csvs`, file);
  await fs.mkdir(path.dirname(csv), { recursive: true });
  await fs.writeFile(csv, text);
  const dir = path.join(root, name);
  const init = await runCli(['init', dir, '--from-csv', csv], {});
  assert.equal(init.code, 0, init.stderr);
  const [definition] = await fs.readdir(path.join(dir, 'datasets'));
  return { dir, dataDir: path.join(root, `${name}-data`), yaml: await fs.readFile(path.join(dir, 'datasets', definition!), 'utf8') };
}

/** `run --json` of a project, which must succeed; returns its run id and the silver stage's counts of `dataset`. */
async function run(dir: string, dataDir: string, dataset: string): Promise<{ runId: string; rowsOut: number; quarantined: number }> {
  const r = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  const { rowsOut, quarantined } = summary.stages[1].details.datasets[dataset];
  return { runId: summary.runId, rowsOut, quarantined };
}

const lines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => `${line(i + 1)}\n`).join('');

test('a unit after a no-break space (U+00A0, U+202F), or before the number, and thousands so grouped: typed by init, read by silver as with a plain space', async () => {
  // A French export: `12,5 %` and `74,50 €` with U+00A0 before the unit, thousands grouped by U+202F, the euro sign first, a typeset minus.
  const fr = (i: number) => `R${i};${i + 11},5\u00a0%;${i + 73},50\u00a0€;${i}\u202f234,50\u00a0€;€\u00a0${i + 11},50;${i === 3 ? '\u2212' : ''}${i},5\u202f%`;
  const { dir, dataDir, yaml } = await initOne('fr', 'ventes.csv', `ref;taux;prix;total;remise;marge\n${lines(30, fr)}`);
  for (const [column, unit] of [['taux', '%'], ['prix', '€'], ['total', '€'], ['remise', '€'], ['marge', '%']]) assert.match(yaml, new RegExp(`^ {2}${column}: \\{ type: number, unit: "${unit}" \\}$`, 'm'), yaml);
  const { runId, rowsOut, quarantined } = await run(dir, dataDir, 'ventes');
  assert.deepEqual([rowsOut, quarantined], [30, 0]);
  assert.deepEqual(await silverRows(dataDir, 'ventes', runId, "SELECT ref, taux, prix, total, remise, marge FROM $t WHERE ref IN ('R1', 'R3') ORDER BY ref"), [
    { ref: 'R1', taux: 12.5, prix: 74.5, total: 1234.5, remise: 12.5, marge: 1.5 },
    { ref: 'R3', taux: 14.5, prix: 76.5, total: 3234.5, remise: 14.5, marge: -3.5 },
  ]);

  // A US export: the dollar first, commas grouping thousands; a no-break space after it too.
  const us = (i: number) => `${i},"$${i},234.00",$\u00a0${i}.25,${i}\u00a0%`;
  const dollars = await initOne('us', 'orders.csv', `order_id,amount,fee,rate\n${lines(30, us)}`);
  assert.match(dollars.yaml, /^ {2}amount: \{ type: number, unit: "\$" \}$/m, dollars.yaml);
  const usRun = await run(dollars.dir, dollars.dataDir, 'orders');
  assert.deepEqual([usRun.rowsOut, usRun.quarantined], [30, 0]);
  assert.deepEqual(await silverRows(dollars.dataDir, 'orders', usRun.runId, 'SELECT order_id, amount, fee, rate FROM $t WHERE order_id = 2'), [{ order_id: 2, amount: 2234, fee: 2.25, rate: 2 }]);
});

test('an id written with a decimal point (Citi Bike station 5788.10) is text, kept as written; a pandas id written as a float (17850.0) is an integer', async () => {
  const station = ['5788.10', '6140.05', '5329.03', '6364.10'];
  const trip = (i: number) => `${i.toString(16).toUpperCase().padStart(16, 'A')},2024-01-01 00:0${i % 10}:05.123,${station[i % 4]},40.7${i}`;
  const { dir, dataDir, yaml } = await initOne('citibike', 'citibike-tripdata_2024-01.csv', `ride_id,started_at,start_station_id,start_lat\n${lines(8, trip)}`);
  assert.match(yaml, /^ {2}start_station_id: \{ type: text \} {3}# numbers with a point, but named as an id: text keeps each as written/m, yaml);
  assert.match(yaml, /^ {2}start_lat: \{ type: number \}$/m);
  const january = await run(dir, dataDir, 'citibike_tripdata');
  assert.deepEqual(await silverRows(dataDir, 'citibike_tripdata', january.runId, 'SELECT DISTINCT start_station_id FROM $t ORDER BY 1'), ['5329.03', '5788.10', '6140.05', '6364.10'].map((s) => ({ start_station_id: s })));
  // Jersey City's stations, in a later month: ids as the others, no number to quarantine.
  await fs.writeFile(path.join(dir, 'sources', 'citibike-tripdata_2024-02.csv'), `ride_id,started_at,start_station_id,start_lat\nBBBBBBBBBBBBBBB1,2024-02-01 00:00:05.123,JC115,40.71\nBBBBBBBBBBBBBBB2,2024-02-01 00:01:05.123,5788.10,40.72\n`);
  const february = await run(dir, dataDir, 'citibike_tripdata');
  assert.equal(february.quarantined, 0);
  assert.deepEqual(await silverRows(dataDir, 'citibike_tripdata', february.runId, "SELECT start_station_id FROM $t WHERE ride_id LIKE 'BBB%' ORDER BY ride_id"), [{ start_station_id: 'JC115' }, { start_station_id: '5788.10' }]);

  // Online Retail's CustomerID, written by pandas as floats where one is missing: integers still.
  const retail = await initOne('retail', 'online_retail.csv', 'InvoiceNo,StockCode,Quantity,UnitPrice,CustomerID\n536365,85123A,6,2.55,17850.0\n536366,71053,6,3.39,\n536367,22633,6,1.85,13047.0\n');
  assert.match(retail.yaml, /^ {2}customer_id: \{ type: integer \}/m, retail.yaml);
  const r = await run(retail.dir, retail.dataDir, 'online_retail');
  assert.deepEqual(await silverRows(retail.dataDir, 'online_retail', r.runId, 'SELECT customer_id FROM $t ORDER BY invoice_no'), [{ customer_id: 17850 }, { customer_id: null }, { customer_id: 13047 }]);
});
