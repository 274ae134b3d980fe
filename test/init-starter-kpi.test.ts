import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';

// The starter KPI `init --from-csv` writes for files shaped as public data sets are, through the built
// CLI: it must pass `check`, build in `run` and be published with rows worth a chart.

let root: string;
before(async () => (root = await fs.mkdtemp(path.join(os.tmpdir(), 'init-starter-'))));
after(async () => fs.rm(root, { recursive: true, force: true }));

/** `init` of one CSV, then `check`, `run` and `show --json` of the KPI it wrote: its id, file and rows. */
async function starterOf(file: string, text: string): Promise<{ id: string; yaml: string; rows: Record<string, unknown>[] }> {
  const name = path.parse(file).name;
  const csv = path.join(root, 'csvs', file);
  await fs.mkdir(path.dirname(csv), { recursive: true });
  await fs.writeFile(csv, text);
  const dir = path.join(root, name);
  const env = { DATA_DIR: path.join(root, `${name}-data`), DUCKDB_THREADS: '2' };
  const init = await runCli(['init', dir, '--from-csv', csv], env);
  assert.equal(init.code, 0, init.stderr);
  const [kpiFile] = await fs.readdir(path.join(dir, 'kpis'));
  const id = path.basename(kpiFile!, '.yml');
  for (const args of [['check'], ['run']]) {
    const r = await runCli([...args, '--project', dir], env);
    assert.equal(r.code, 0, `${args[0]} of ${file}: ${r.stderr}`);
  }
  const show = await runCli(['show', id, '--json', '--project', dir], env);
  assert.equal(show.code, 0, show.stderr);
  return { id, yaml: await fs.readFile(path.join(dir, 'kpis', kpiFile!), 'utf8'), rows: (JSON.parse(show.stdout) as { rows: Record<string, unknown>[] }).rows };
}

const lines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => `${line(i)}\n`).join('');

test('FRED: the series over its date, a line with a range, the missing quarters (.) left out', async () => {
  const quarter = (i: number) => `${1947 + Math.floor(i / 4)}-${String(1 + 3 * (i % 4)).padStart(2, '0')}-01`;
  const { id, yaml, rows } = await starterOf('GDP.csv', `DATE,GDP\n${lines(300, (i) => `${quarter(i)},${i === 5 || i === 77 ? '.' : (243.164 + i * 95.3).toFixed(3)}`)}`);
  assert.equal(id, 'gdp_by_date');
  assert.match(yaml, /^chart: \{ type: line, x: date, y: \[gdp\] \}\nrange: date$/m);
  assert.equal(rows.length, 298);
  assert.deepEqual(rows[0], { date: '1947-01-01', gdp: 243.164 });
  assert.deepEqual(rows.at(-1), { date: '2021-10-01', gdp: 28737.864 });
});

test('World Bank: every text column unique, years as columns: the latest full year per country, largest first', async () => {
  const years = Array.from({ length: 64 }, (_, i) => 1960 + i);
  const countries = [['Aruba', 'ABW'], ['Afghanistan', 'AFG'], ['Angola', 'AGO'], ['Albania', 'ALB'], ['Andorra', 'AND']];
  const header = ['Country Name', 'Country Code', 'Indicator Name', 'Indicator Code', ...years].map((h) => `"${h}"`).join(',');
  const row = ([name, code]: string[], k: number) => [name, code, 'GDP (current US$)', 'NY.GDP.MKTP.CD', ...years.map((y) => (y < 1970 || y === 2023 ? '' : `${(5 - k) * 1e9 + y}.5`))].map((v) => `"${v}"`).join(',');
  const text = `"Data Source","World Development Indicators",\n\n"Last Updated Date","2024-06-28",\n\n${header},\n${countries.map((c, k) => `${row(c, k)},\n`).join('')}`;
  const { id, rows } = await starterOf('API_NY.GDP.MKTP.CD_DS2_en_csv_v2_2875.csv', text);
  assert.equal(id, 'api_ny_gdp_mktp_cd_ds2_en_csv_v2_c_2022_by_country_name');
  assert.deepEqual(rows.map((r) => [r['country_name'], r['c_2022']]), countries.map(([name], k) => [name, (5 - k) * 1e9 + 2022.5]));
});

test('events: timestamps that repeat and no text to group: rows per month, a line', async () => {
  const { id, yaml, rows } = await starterOf('events.csv', `event_id,occurred_at,duration_ms,success\n${lines(90, (i) => `${i + 1},2024-0${1 + (i % 3)}-${String(1 + (i % 5)).padStart(2, '0')} 0${i % 4}:00:00,${100 + i},${i % 2 ? 'true' : 'false'}`)}`);
  assert.equal(id, 'events_per_month');
  assert.match(yaml, /^range: month$/m);
  assert.deepEqual(rows, [
    { month: '2024-01-01', row_count: 30 },
    { month: '2024-02-01', row_count: 30 },
    { month: '2024-03-01', row_count: 30 },
  ]);
});

test('Kaggle\'s store item demand (date, store, item, sales): the sales per month, summed, not rows', async () => {
  // 120 days from 2013-01-01 (January to April), 2 stores × 3 items a day, sales = day + store + item: 6 × day + 21 a day.
  const days = Array.from({ length: 120 }, (_, k) => new Date(Date.UTC(2013, 0, 1 + k)).toISOString().slice(0, 10));
  const { id, yaml, rows } = await starterOf('train.csv', `date,store,item,sales\n${days.flatMap((d, k) => [1, 2].flatMap((s) => [1, 2, 3].map((it) => `${d},${s},${it},${k + s + it}\n`))).join('')}`);
  assert.equal(id, 'train_sales_per_month');
  assert.match(yaml, /^title: "train: sales per month"$/m);
  const sum = (from: number, to: number) => Array.from({ length: to - from }, (_, j) => 6 * (from + j) + 21).reduce((a, b) => a + b, 0);
  assert.deepEqual(rows, [
    { month: '2013-01-01', sales: sum(0, 31) },
    { month: '2013-02-01', sales: sum(31, 59) },
    { month: '2013-03-01', sales: sum(59, 90) },
    { month: '2013-04-01', sales: sum(90, 120) },
  ]);
});

test('titanic: Sex, whose values repeat, as before', async () => {
  const { id, rows } = await starterOf('titanic.csv', `PassengerId,Survived,Pclass,Name,Sex,Age,Ticket,Fare\n${lines(40, (i) => `${i + 1},${i % 2},${1 + (i % 3)},"Person ${i}, Mr.",${i % 4 ? 'male' : 'female'},${20 + i},T${i % 30},${(7 + i * 1.5).toFixed(2)}`)}`);
  assert.equal(id, 'titanic_by_sex');
  assert.deepEqual(rows, [
    { sex: 'male', row_count: 30 },
    { sex: 'female', row_count: 10 },
  ]);
});

test("NYC taxi's fares of cents: their sum per month served in cents, not a double's 37822.389999999956", async () => {
  const fare = (i: number) => (((i * 7919) % 5000 + 251) / 100).toFixed(2);
  const trips = lines(400, (i) => `${1 + (i % 2)},2024-0${1 + (i % 2)}-${String(1 + (i % 28)).padStart(2, '0')} 0${i % 10}:05:00,${1 + (i % 4)}.0,${fare(i)},0.5`);
  const { id, rows } = await starterOf('yellow_tripdata_2024-01.csv', `VendorID,tpep_pickup_datetime,passenger_count,fare_amount,mta_tax\n${trips}`);
  assert.equal(id, 'yellow_tripdata_fare_amount_per_month');
  const cents = (month: number) => Array.from({ length: 400 }, (_, i) => i).filter((i) => i % 2 === month).reduce((sum, i) => sum + Math.round(Number(fare(i)) * 100), 0);
  // Summed as doubles, January's fares are not its cents: what the sum served unrounded.
  assert.notEqual(Array.from({ length: 200 }, (_, k) => Number(fare(2 * k))).reduce((a, b) => a + b, 0), cents(0) / 100);
  assert.deepEqual(rows, [
    { month: '2024-01-01', fare_amount: cents(0) / 100 },
    { month: '2024-02-01', fare_amount: cents(1) / 100 },
  ]);
});

test("JHU's days as columns: the latest day's cases per country, its provinces summed; no day's count suggested as a key", async () => {
  const days = Array.from({ length: 40 }, (_, k) => new Date(Date.UTC(2020, 0, 22 + k))).map((d) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${String(d.getUTCFullYear()).slice(2)}`);
  const places = [['', 'Afghanistan'], ['Australian Capital Territory', 'Australia'], ['New South Wales', 'Australia'], ['', 'France'], ['', 'Chad'], ['', 'Peru'], ['', 'Italy']];
  const cases = (p: number, d: number) => p * 1000 + d * (p + 3);
  const text = `Province/State,Country/Region,Lat,Long,${days.join(',')}\n${places.map(([province, country], p) => `${province},${country},${(10 + p * 1.5).toFixed(4)},${(20 + p).toFixed(4)},${days.map((_, d) => cases(p, d)).join(',')}\n`).join('')}`;
  const { id, rows } = await starterOf('time_series_covid19_confirmed_global.csv', text);
  assert.equal(id, 'time_series_covid19_confirmed_global_c_3_1_20_by_country_reg');
  assert.deepEqual(rows.slice(0, 3), [
    { country_region: 'Italy', c_3_1_20: cases(6, 39) },
    { country_region: 'Peru', c_3_1_20: cases(5, 39) },
    { country_region: 'Chad', c_3_1_20: cases(4, 39) },
  ]);
  assert.deepEqual(rows.find((r) => r['country_region'] === 'Australia'), { country_region: 'Australia', c_3_1_20: cases(1, 39) + cases(2, 39) });
  const yml = await fs.readFile(path.join(root, 'time_series_covid19_confirmed_global', 'datasets', 'time_series_covid19_confirmed_global.yml'), 'utf8');
  assert.match(yml, /^# No key: rows are appended \(a new version of a file replaces its rows\)\.\n/m);
});
