import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';
import { silverRows } from './support/lake-rows.js';

// The key `init --from-csv` declares makes a later file's row replace the earlier row of its key. A code
// that rows share by nature (a postal code, a stock code), unique in a small first file by chance, must
// not be it: the next order of a known postal code would replace another order.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-key-names-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

/** `init --from-csv --json` on `files` written to a folder of their own; returns the project folder and each dataset's key. */
async function initFrom(folder: string, files: Record<string, string>): Promise<{ dir: string; keys: Record<string, string[]> }> {
  const csvs = path.join(root, `${folder}-csvs`);
  await fs.mkdir(csvs, { recursive: true });
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(csvs, name), text);
  const dir = path.join(root, folder);
  const init = await runCli(['init', dir, '--from-csv', ...Object.keys(files).map((f) => path.join(csvs, f)), '--json'], {});
  assert.equal(init.code, 0, init.stderr);
  const written = JSON.parse(init.stdout) as { datasets: { name: string; key: string[] }[] };
  return { dir, keys: Object.fromEntries(written.datasets.map((d) => [d.name, d.key])) };
}

/** `run --json`, which must succeed: its silver details of `dataset` and its run id. */
async function run(dir: string, dataDir: string, dataset: string): Promise<{ runId: string; silver: { rows: number; replaced: number; quarantined: number } }> {
  const r = await runCli(['run', '--json', '--project', dir], { DATA_DIR: dataDir });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  return { runId: summary.runId, silver: summary.stages.find((s: { stage: string }) => s.stage === 'silver').details.datasets[dataset] };
}

/** 80 orders of 80 distinct five-digit postal codes, the header's last column named `code`. */
function orders(code: string): string {
  const rows = Array.from({ length: 80 }, (_, i) => `${1001 + i},2024-03-${String(1 + (i % 28)).padStart(2, '0')},c${i}@mail.com,${String(10007 + i * 997).padStart(5, '0')}`);
  return `Order,Date,Email,${code}\n${rows.join('\n')}\n`;
}

test('init --from-csv: a postal code, zip code, country code or phone number unique by chance is no key; the order is, and a later order of a known postal code is a row of its own', async () => {
  const { dir, keys } = await initFrom('orders', {
    'orders.csv': orders('Postal Code'),
    'webshop.csv': orders('Zip Code'),
    'marketplace.csv': orders('Country Code'),
    'store_sales.csv': orders('Phone Number'),
  });
  assert.deepEqual(keys, { orders: ['order'], webshop: ['order'], marketplace: ['order'], store_sales: ['order'] });
  const dataDir = path.join(root, 'orders-data');
  assert.equal((await run(dir, dataDir, 'orders')).silver.rows, 80);
  // Day 2: a new order to the postal code of order 1001.
  await fs.writeFile(path.join(dir, 'sources', 'orders_2024-03-02.csv'), 'Order,Date,Email,Postal Code\n1081,2024-03-02,new@mail.com,10007\n');
  const second = await run(dir, dataDir, 'orders');
  assert.deepEqual([second.silver.rows, second.silver.replaced, second.silver.quarantined], [81, 0, 0]);
  assert.deepEqual(await silverRows(dataDir, 'orders', second.runId, "SELECT \"order\"::INTEGER AS o FROM $t WHERE postal_code = '10007' ORDER BY 1"), [{ o: 1001 }, { o: 1081 }]);
});

test("init --from-csv on Online Retail's first rows: its stock code, unique in four rows, is no key (a comment names it); its invoice number is, where unique", async () => {
  const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n';
  const lines = [
    '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850.0,United Kingdom',
    '536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850.0,United Kingdom',
    '536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850.0,United Kingdom',
    '536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047.0,United Kingdom',
  ];
  const { dir, keys } = await initFrom('retail', {
    'online_retail.csv': `${header}${lines.join('\n')}\n`,
    'invoices.csv': `${header}${lines.slice(1).join('\n')}\n`,
  });
  assert.deepEqual(keys, { online_retail: [], invoices: ['invoice_no'] });
  const yml = await fs.readFile(path.join(dir, 'datasets', 'online_retail.yml'), 'utf8');
  assert.match(yml, /^# No key: rows are appended .* stock_code is unique in these 4 rows, but it is a code many rows may share .* `key: stock_code` makes/m);
  // The next file's lines of the same products are rows of their own, none quarantined as duplicate_key:stock_code.
  const dataDir = path.join(root, 'retail-data');
  await run(dir, dataDir, 'online_retail');
  await fs.writeFile(path.join(dir, 'sources', 'online_retail_2.csv'), `${header}536368,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:34,2.55,13047.0,United Kingdom\n536368,22633,HAND WARMER UNION JACK,6,12/1/2010 8:34,1.85,13047.0,United Kingdom\n`);
  const second = await run(dir, dataDir, 'online_retail');
  assert.deepEqual([second.silver.rows, second.silver.quarantined], [6, 0]);
});

test("init --from-csv: the row's own id is the key before a shared code or another entity's id", async () => {
  const { dir, keys } = await initFrom('ids', {
    // `id` kept, before or after a zip code.
    'stores.csv': 'id,zip_code,city\n1,02139,Cambridge\n2,10001,New York\n3,94105,San Francisco\n',
    'members.csv': 'name,zip_code,id\nAnn,02139,7\nBob,10001,8\nCy,94105,9\n',
    // The dataset's own id, after another entity's, both unique in these rows.
    'orders.csv': 'Customer ID,Order Number,Total\n17,5001,9.50\n18,5002,3.20\n19,5003,7.00\n',
    // A first column naming the row (`Order`), and another entity's id unique by chance.
    'sales.csv': 'Order,Customer ID,Product Code\n2001,17,A-1\n2002,18,B-2\n2003,19,C-3\n',
    // A table of countries: the code of what the first column names is the row's own.
    'countries.csv': 'Country Name,Country Code,Population\nAruba,ABW,106277\nAfghanistan,AFG,42239854\nAngola,AGO,36684202\n',
    // A product code alone unique, and no other candidate but a label first: the product is the key of a list of products.
    'products.csv': 'Product Name,Product Code,Price\nPen,P-1,1.50\nInk,P-2,3.00\nPad,P-3,2.25\n',
    // A postal code repeating only where its whole row repeats (a row sent twice) is no id for all that.
    'deliveries.csv': 'Date,Postal Code,Total\n2024-03-01,02139,9.50\n2024-03-01,10001,3.20\n2024-03-01,10001,3.20\n2024-03-02,94105,7.00\n',
  });
  assert.deepEqual(keys, { stores: ['id'], members: ['id'], orders: ['order_number'], sales: ['order'], countries: ['country_code'], products: ['product_code'], deliveries: [] });
  assert.match(await fs.readFile(path.join(dir, 'datasets', 'deliveries.yml'), 'utf8'), /^# No column is unique and never empty: without a key, rows are appended/m);
});

test("init --from-csv on Spotify's weekly charts: the rank, 1 to N again next week, is no key; next week's chart is added, not put in place of this one's", async () => {
  const chart = (week: number) => `rank,uri,artist_names,track_name,streams\n${Array.from({ length: 5 }, (_, i) => `${i + 1},spotify:track:w${week}t${i},"Artist ${i}, Guest",Song ${week}-${i},${(900000 - i * 1000) * week}`).join('\n')}\n`;
  const { dir, keys } = await initFrom('charts', { 'regional-global-weekly-2024-01-04.csv': chart(1) });
  const [name] = Object.keys(keys);
  assert.deepEqual(keys[name!], []);
  assert.doesNotMatch(await fs.readFile(path.join(dir, 'datasets', `${name}.yml`), 'utf8'), /key: rank/);
  // Nor is a rank a measure: the starter KPI draws the streams.
  assert.match((await fs.readdir(path.join(dir, 'kpis'))).join(), /streams/);
  const dataDir = path.join(root, 'charts-data');
  assert.equal((await run(dir, dataDir, name!)).silver.rows, 5);
  await fs.writeFile(path.join(dir, 'sources', 'regional-global-weekly-2024-01-11.csv'), chart(2));
  const second = await run(dir, dataDir, name!);
  assert.deepEqual([second.silver.replaced, second.silver.quarantined], [0, 0]);
  assert.equal((await silverRows(dataDir, name!, second.runId, 'SELECT count(*)::INTEGER AS n FROM $t'))[0]!['n'], 10);
});
