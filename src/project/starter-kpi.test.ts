import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { inferCsv } from './infer.js';
import { measureOf, starterKpi } from './starter-kpi.js';
import { pairKeyOf } from './infer-key.js';
import { datasetYaml } from './init-yaml.js';

// The starter KPI of files shaped as public data sets write them, from what inference finds in them.

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'starter-kpi-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-starter-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function shape(name: string, lines: string[]) {
  const file = path.join(dir, `${name}.csv`);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  return { name, csv: await inferCsv(engine, file) };
}

const rows = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i));
const quarter = (i: number) => `${1947 + Math.floor(i / 4)}-${String(1 + 3 * (i % 4)).padStart(2, '0')}-01`;

test('a text column whose values repeat is the group, one of few values first (titanic: Sex, not Ticket or Name)', async () => {
  const titanic = await shape('titanic', ['PassengerId,Survived,Name,Sex,Ticket,Fare', ...rows(60, (i) => `${i + 1},${i % 2},"Person ${i}, Mr.",${i % 3 ? 'male' : 'female'},T${i % 40},${(7 + i * 1.5).toFixed(2)}`)]);
  const kpi = starterKpi([titanic]);
  assert.equal(kpi.id, 'titanic_by_sex');
  assert.match(kpi.yaml, /SELECT "sex", count\(\*\) AS row_count\n {2}FROM "titanic"\n {2}GROUP BY ALL/);
  assert.match(kpi.yaml, /^chart: \{ type: bar, x: sex, y: \[row_count\] \}$/m);
});

test('a FRED series (a unique date, a number with . for missing): its measure over the date, a line with a range', async () => {
  const gdp = await shape('gdp', ['DATE,GDP', ...rows(300, (i) => `${quarter(i)},${i === 5 ? '.' : (243.164 + i * 95.3).toFixed(3)}`)]);
  const kpi = starterKpi([gdp]);
  assert.equal(kpi.id, 'gdp_by_date');
  assert.match(kpi.yaml, /sql: \|\n {2}SELECT "date", "gdp"\n {2}FROM "gdp"\n {2}WHERE "gdp" IS NOT NULL\n {2}ORDER BY 1\n/);
  assert.match(kpi.yaml, /^ {2}date: \{ type: date, label: DATE \}\n {2}gdp: \{ type: number, label: GDP \}$/m);
  assert.match(kpi.yaml, /^chart: \{ type: line, x: date, y: \[gdp\] \}\nrange: date$/m);
});

test('a unique timestamp (a reading a minute): the mean per day, of two decimals for integers', async () => {
  const health = await shape('health', ['Date/Time,Heart Rate', ...rows(120, (i) => `2024-03-0${4 + Math.floor(i / 60)} 07:${String(i % 60).padStart(2, '0')}:00,${60 + (i % 9)}`)]);
  const kpi = starterKpi([health]);
  assert.equal(kpi.id, 'health_heart_rate_per_day');
  assert.match(kpi.yaml, /SELECT CAST\("date_time" AS DATE\) AS "date_time", round\(avg\("heart_rate"\), 2\) AS "heart_rate"/);
  assert.match(kpi.yaml, /^range: date_time$/m);
});

test('World Bank years as columns, every text column unique: the latest full year per country name, the 20 largest', async () => {
  const years = Array.from({ length: 10 }, (_, i) => 2014 + i);
  const countries = [['Aruba', 'ABW'], ['Afghanistan', 'AFG'], ['Angola', 'AGO'], ['Albania', 'ALB'], ['Andorra', 'AND']];
  const wb = await shape('wdi', [
    ['Country Name', 'Country Code', 'Indicator Name', 'Indicator Code', ...years].map((h) => `"${h}"`).join(',') + ',',
    // 2023 not published yet for most (`..`, as DataBank writes), 2022 for all.
    ...countries.map(([name, code], k) => [name, code, 'GDP (current US$)', 'NY.GDP.MKTP.CD', ...years.map((y) => (y === 2023 && k > 0 ? '..' : `${(k + 1) * 1e9 + y}.5`))].map((v) => `"${v}"`).join(',') + ','),
  ]);
  const kpi = starterKpi([wb]);
  assert.equal(kpi.id, 'wdi_c_2022_by_country_name');
  assert.match(kpi.yaml, /SELECT "country_name", "c_2022"\n {2}FROM "wdi"\n {2}WHERE "c_2022" IS NOT NULL\n {2}ORDER BY 2 DESC, 1\n {2}LIMIT 20\n/);
  assert.match(kpi.yaml, /^chart: \{ type: bar, x: country_name, y: \[c_2022\] \}$/m);
});

test('a measure is no key, id, code, coordinate or year; of several years, the latest nearly as full as the fullest', async () => {
  const communes = await shape('communes', ['code_commune,nom,CustomerID,latitude,longitude,year,population', ...rows(30, (i) => `${10000 + i},Commune ${i},${500 + i},${45 + i / 100},${2 + i / 100},${2000 + i},${1000 + i * 37}`)]);
  assert.equal(measureOf(communes.csv)?.name, 'population');
  assert.match(starterKpi([communes]).yaml, /SELECT "nom", "population"/);
  // 2021 has 20 values of 20, 2022 19 (within a tenth), 2023 5: 2022.
  const panel = await shape('panel', ['name,c_2021,c_2022,c_2023', ...rows(20, (i) => `n${i},${i + 1},${i ? i + 2 : ''},${i < 5 ? i + 3 : ''}`)]);
  assert.equal(measureOf(panel.csv)?.name, 'c_2022');
  // A 0/1 flag and a fare: the fare, of many values.
  const fares = await shape('fares', ['name,survived,fare', ...rows(20, (i) => `p${i},${i % 2},${(7 + i * 1.25).toFixed(2)}`)]);
  assert.equal(measureOf(fares.csv)?.name, 'fare');
  const ids = await shape('ids', ['id,order_no,lat,lon', ...rows(10, (i) => `${i},${100 + i},${i / 10},${i / 5}`)]);
  assert.equal(measureOf(ids.csv), undefined);
  assert.equal(starterKpi([ids]).id, 'ids_rows');
});

test('events with repeating timestamps and no text to group: rows per month; repeating days of few values: rows per day', async () => {
  const events = await shape('events', ['event_id,occurred_at,duration_ms,success', ...rows(120, (i) => `${i + 1},2024-0${1 + (i % 6)}-1${i % 3} 1${i % 4}:00:00,${100 + i},${i % 2 ? 'true' : 'false'}`)]);
  const kpi = starterKpi([events]);
  assert.equal(kpi.id, 'events_per_month');
  assert.match(kpi.yaml, /SELECT date_trunc\('month', "occurred_at"\)::DATE AS month, count\(\*\) AS row_count\n {2}FROM "events"\n {2}WHERE "occurred_at" IS NOT NULL/);
  assert.match(kpi.yaml, /^chart: \{ type: line, x: month, y: \[row_count\] \}\nrange: month$/m);
  const readings = await shape('readings', ['day,temp', ...rows(30, (i) => `2024-01-0${1 + Math.floor(i / 10)},${i % 7}.5`)]);
  assert.match(starterKpi([readings]).yaml, /SELECT "day", count\(\*\) AS row_count/);
  // Unique days without a measure: per month, not a line of ones.
  const diary = await shape('diary', ['day,entry', ...rows(40, (i) => `2024-0${1 + Math.floor(i / 10)}-${String(1 + (i % 10)).padStart(2, '0')},Entry ${i}`)]);
  assert.equal(starterKpi([diary]).id, 'diary_per_month');
});

test('a boolean groups where no text column or date does; a text group in a later file comes before a date in the first', async () => {
  const flags = await shape('flags', ['ref_id,active', ...rows(10, (i) => `${i},${i % 3 ? 'yes' : 'no'}`)]);
  const kpi = starterKpi([flags]);
  assert.equal(kpi.id, 'flags_by_active');
  assert.match(kpi.yaml, /SELECT CAST\("active" AS VARCHAR\) AS "active", count\(\*\) AS row_count/);
  const gdp = await shape('gdp2', ['DATE,GDP', ...rows(8, (i) => `${quarter(i)},${i + 1}.5`)]);
  const airports = await shape('airports', ['iata,name,state', '00M,Thigpen,MS', '00R,Livingston,TX', '01M,Tishomingo,MS']);
  assert.equal(starterKpi([gdp, airports]).id, 'airports_by_state');
});

test('a measure is no id written without an underscore (customerid), but amount_paid is one', async () => {
  const payments = await shape('payments', ['payment_ref,customerid,amount_paid', ...rows(40, (i) => `P${i},${1000 + i * 7},${(10 + i * 3.25).toFixed(2)}`)]);
  assert.equal(measureOf(payments.csv)?.name, 'amount_paid');
});

test("a group every row fills over one mostly empty (JHU's Country/Region, not Province/State)", async () => {
  const countries = ['Australia', 'Canada', 'China', 'France', 'Chad'];
  const jhu = await shape('jhu', ['Province/State,Country/Region,Lat,Long,1/22/20', ...rows(60, (i) => `${i % 3 === 0 ? `Province ${i % 7}` : ''},${countries[i % 5]} ${Math.floor(i / 10) % 6},${(i * 0.37).toFixed(4)},${(i * 1.1).toFixed(4)},${i}`)]);
  assert.equal(starterKpi([jhu]).id, 'jhu_by_country_region');
});

test("a panel (OWID's Entity,Year): the measure per entity in the latest year most have, not as many bars of one height", async () => {
  const entities = ['Afghanistan', 'Africa', 'Albania', 'France', 'World'];
  // 2023 published for World only: the year shown is 2022.
  const lines = entities.flatMap((e, k) => rows(e === 'World' ? 74 : 73, (i) => `${e},${e === 'Africa' ? '' : e.slice(0, 3).toUpperCase()},${1950 + i},${(30 + k * 5 + i * 0.4).toFixed(1)}`));
  const owid = await shape('owid', ['Entity,Code,Year,Life expectancy', ...lines]);
  owid.csv.pairKey = await pairKeyOf(engine, owid.csv, [owid.csv]);
  assert.deepEqual(owid.csv.pairKey, ['entity', 'year']);
  const kpi = starterKpi([owid]);
  assert.equal(kpi.id, 'owid_life_expectancy_by_entity');
  assert.match(kpi.yaml, /^chart: \{ type: bar, x: entity, y: \[life_expectancy\] \}$/m);
  const sql = /sql: \|\n((?: {2}.*\n)+)/.exec(kpi.yaml)![1]!;
  await engine.run(`CREATE OR REPLACE VIEW owid AS SELECT "Entity" AS entity, "Year" AS year, "Life expectancy" AS life_expectancy FROM read_csv('${path.join(dir, 'owid.csv')}')`);
  const got = await engine.rows(sql);
  assert.deepEqual(got.map((r) => [r['entity'], r['life_expectancy']]), [['World', 78.8], ['France', 73.8], ['Albania', 68.8], ['Africa', 63.8], ['Afghanistan', 58.8]]);
});

test("a Google Analytics export (a unique day, users, a session duration as text): users over the day, not rows per 00:01:53", async () => {
  const day = (i: number) => new Date(Date.UTC(2024, 0, 1 + i));
  const ga = await shape('ga', ['Day Index,Users,Avg. Session Duration', ...rows(60, (i) => `${day(i).getUTCMonth() + 1}/${day(i).getUTCDate()}/24,${800 + ((i * 7919) % 4200)},00:0${1 + (i % 2)}:${10 + ((i * 13) % 10)}`)]);
  assert.equal(ga.csv.columns.find((c) => c.name === 'avg_session_duration')?.type, 'text');
  const kpi = starterKpi([ga]);
  assert.equal(kpi.id, 'ga_users_by_day_index');
  assert.match(kpi.yaml, /^chart: \{ type: line, x: day_index, y: \[users\] \}$/m);
});

test("a kind of thing before an identifier that repeats (Superstore's Segment, not its Customer ID)", async () => {
  const store = await shape('superstore', ['Row ID,Order ID,Customer ID,Segment,Sales', ...rows(120, (i) => `${i + 1},CA-2016-${100000 + Math.floor(i / 2)},CG-${12520 + (i % 40)},${['Consumer', 'Corporate', 'Home Office'][i % 3]},${(10 + i * 3.7).toFixed(4)}`)]);
  assert.equal(starterKpi([store]).id, 'superstore_by_segment');
});

test('a quarterly series written as text (2014Q1) beside its fiscal year: the measure over the quarter, not rows per year', async () => {
  const gdp = await shape('gdp', ['period,fiscal_year,gdp', ...rows(40, (i) => `${2014 + Math.floor(i / 4)}Q${1 + (i % 4)},FY${2014 + Math.floor((i + 1) / 4)},${(17000 + i * 55.5).toFixed(1)}`)]);
  assert.equal(gdp.csv.columns.find((c) => c.name === 'period')?.period, true);
  assert.equal(gdp.csv.columns.find((c) => c.name === 'fiscal_year')?.period, undefined);
  const kpi = starterKpi([gdp]);
  assert.equal(kpi.id, 'gdp_by_period');
  assert.match(kpi.yaml, /^ {2}period: \{ type: string, label: period \}$/m);
  assert.match(kpi.yaml, /^chart: \{ type: line, x: period, y: \[gdp\] \}\nrange: period$/m);
});

test("Etsy's sold orders (a sale date, an order total, statuses, a buyer's first name): the order total per month, not rows per first name", async () => {
  const names = ['Ashley', 'Matt', 'Jordan', 'Priya'];
  const etsy = await shape('etsy_sold_orders', ['Sale Date,Order ID,First Name,Status,Discount Amount,Shipping Discount,Sales Tax,Order Total,Card Processing Fees,Order Net,Adjusted Order Total', ...rows(60, (i) => `01/${String(1 + (i % 28)).padStart(2, '0')}/24,${3101 + i},${names[i % 4]},${i % 9 ? 'Completed' : 'Canceled'},${i % 4 ? 0 : '2.50'},0,${(1.5 + i * 0.07).toFixed(2)},${(24 + i * 1.13).toFixed(2)},${(0.9 + i * 0.03).toFixed(2)},${(23 + i * 1.1).toFixed(2)},${i === 7 ? '12.00' : '--'}`)]);
  const kpi = starterKpi([etsy]);
  assert.equal(kpi.id, 'etsy_sold_orders_order_total_per_month');
  assert.match(kpi.yaml, /SELECT date_trunc\('month', "sale_date"\)::DATE AS month, round\(sum\("order_total"\), 2\)::DOUBLE AS "order_total"/);
  // A price or a balance adds up to nothing: rows by status, as before.
  const prices = await shape('prices', ['day,store,price', ...rows(40, (i) => `2024-01-0${1 + (i % 9)},S${i % 3},${(2 + i * 0.01).toFixed(2)}`)]);
  assert.equal(starterKpi([prices]).id, 'prices_by_store');
});

test("no bar per person: Mailchimp's members by time zone, not by first name", async () => {
  const zones = ['Europe/Paris', 'America/New_York', 'Europe/London'];
  const members = await shape('members', ['Email Address,First Name,Last Name,MEMBER_RATING,TIMEZONE', ...rows(30, (i) => `m${i}@example.org,${['Ann', 'Bob'][i % 2]},${['Lee', 'Li', 'Diaz'][i % 3]},${1 + (i % 5)},${zones[i % 3]}`)]);
  assert.equal(starterKpi([members]).id, 'members_by_timezone');
  // Names only: a count of rows.
  const people = await shape('people', ['First Name,Last Name', ...rows(10, (i) => `${['Ann', 'Bob'][i % 2]},${['Lee', 'Li'][i % 2]}`)]);
  assert.equal(starterKpi([people]).id, 'people_rows');
});

test("Yahoo Finance's quotes (Date,Open,High,Low,Close,Adj Close,Volume): the close over the date, not the open", async () => {
  const day = (i: number) => new Date(Date.UTC(2022, 0, 3 + i)).toISOString().slice(0, 10);
  const aapl = await shape('aapl', ['Date,Open,High,Low,Close,Adj Close,Volume', ...rows(40, (i) => `${day(i)},${(180 + i).toFixed(6)},${(182 + i).toFixed(6)},${(178 + i).toFixed(6)},${(181 + i * 1.01).toFixed(6)},${(180 + i * 1.01).toFixed(6)},${96496171 + i * 1000}`)]);
  const kpi = starterKpi([aapl]);
  assert.equal(kpi.id, 'aapl_close_by_date');
  assert.match(kpi.yaml, /^chart: \{ type: line, x: date, y: \[close\] \}$/m);
  // Without a Close, Adj Close.
  const adjusted = await shape('adjusted', ['Date,Open,High,Low,Adj Close,Volume', ...rows(10, (i) => `${day(i)},${180 + i}.5,${182 + i}.5,${178 + i}.5,${180 + i}.25,${1000 + i}`)]);
  assert.equal(measureOf(adjusted.csv)?.name, 'adj_close');
});

/** The KPI's SQL run on a view of the file named as its dataset, its columns named as `columns` says (`name` → header). */
async function served(kpi: { yaml: string }, dataset: string, columns: Record<string, string>) {
  const select = Object.entries(columns).map(([name, header]) => `"${header}" AS ${name}`).join(', ');
  await engine.run(`CREATE OR REPLACE VIEW ${dataset} AS SELECT ${select} FROM read_csv('${path.join(dir, `${dataset}.csv`)}')`);
  return engine.rows(/sql: \|\n((?: {2}.*\n)+)/.exec(kpi.yaml)![1]!);
}

test("a group most rows leave empty is none (La Poste's Ligne_5); one some rows leave empty groups the others (Letterboxd's Tags)", async () => {
  const poste = await shape('laposte', ['Code_commune_INSEE,Nom_de_la_commune,Code_postal,Ligne_5', ...rows(200, (i) => `${String(1001 + (i % 150)).padStart(5, '0')},COMMUNE ${i % 150},${String(1400 + i).padStart(5, '0')},${i % 3 ? '' : `LIEU ${i % 4}`}`)]);
  assert.equal(poste.csv.columns.find((c) => c.name === 'ligne_5')?.filled, 67);
  assert.equal(starterKpi([poste]).id, 'laposte_by_nom_de_la_commune');
  // Tags in 3 rows of 5: its values, not a bar of the rows without one.
  const diary = await shape('diary', ['Name,Rating,Tags', ...rows(50, (i) => `Film ${i},${1 + (i % 5)},${i % 5 < 3 ? ['cinema', 'home', '35mm'][i % 3] : ''}`)]);
  const kpi = starterKpi([diary]);
  assert.equal(kpi.id, 'diary_by_tags');
  assert.match(kpi.yaml, /^description: "Rows of diary per tags, the 20 most frequent \(rows where tags is empty left out\)\./m);
  assert.deepEqual((await served(kpi, 'diary', { tags: 'Tags' })).map((r) => [r['tags'], Number(r['row_count'])]), [['35mm', 10], ['cinema', 10], ['home', 10]]);
});

test("one value in nearly every row groups nothing (Zillow's RegionType); a wide file of months: the latest month's figure per RegionName", async () => {
  const header = 'RegionID,SizeRank,RegionName,RegionType,StateName';
  const metro = (i: number) => `${102001 + i},${i},${i ? `"City${i}, ${['NY', 'CA', 'TX'][i % 3]}"` : 'United States'},${i ? 'msa' : 'country'},${i ? ['NY', 'CA', 'TX'][i % 3] : ''}`;
  const metros = await shape('metros', [header, ...rows(40, metro)]);
  assert.deepEqual(metros.csv.columns.find((c) => c.name === 'region_type')?.top, { value: 'msa', rows: 39 });
  assert.equal(starterKpi([metros]).id, 'metros_by_state_name');
  // Months as columns, 2023-01-31 to 2023-12-31, empty in the first months for a few metros.
  const months = rows(12, (m) => new Date(Date.UTC(2023, m + 1, 0)).toISOString().slice(0, 10));
  const zhvi = await shape('zhvi', [`${header},${months.join(',')}`, ...rows(40, (i) => `${metro(i)},${months.map((_, m) => (m < 2 && i % 7 === 3 ? '' : (250000 + i * 1000.123456 + m * 37.5).toFixed(6))).join(',')}`)]);
  const kpi = starterKpi([zhvi]);
  assert.equal(kpi.id, 'zhvi_c_2023_12_31_by_region_name');
  assert.match(kpi.yaml, /SELECT "region_name", "c_2023_12_31"\n {2}FROM "zhvi"\n {2}WHERE "c_2023_12_31" IS NOT NULL\n {2}ORDER BY 2 DESC, 1\n {2}LIMIT 20\n/);
});

test("JHU's days as columns: the latest day's sum per Country/Region, not rows per country; no day's count suggested as a key", async () => {
  // Days past a year's end, month first: 1/1/21 is the latest, though "12/31/20" sorts after it as text.
  const days = ['12/28/20', '12/29/20', '12/30/20', '12/31/20', '1/1/21'];
  const countries = ['China', 'China', 'China', 'France', 'Chad', 'Peru'];
  const jhu = await shape('jhu', [`Province/State,Country/Region,Lat,Long,${days.join(',')}`, ...rows(30, (i) => `${countries[i % 6] === 'China' ? `Province ${i}` : ''},${countries[i % 6]} ${Math.floor(i / 6)},${(i * 0.37).toFixed(4)},${(i * 1.1).toFixed(4)},${days.map((_, d) => 100 * i + d * (i + 1)).join(',')}`)]);
  const kpi = starterKpi([jhu]);
  assert.equal(kpi.id, 'jhu_c_1_1_21_by_country_region');
  const got = await served(kpi, 'jhu', { country_region: 'Country/Region', c_1_1_21: '1/1/21' });
  // China 4 its rows 24 to 26 summed: 100 × 75 + 4 × (25 + 26 + 27); then China 3's 18 to 20.
  assert.deepEqual(got.slice(0, 2).map((r) => [r['country_region'], r['c_1_1_21']]), [['China 4', 7812], ['China 3', 5940]]);
  assert.match(datasetYaml('jhu', ['jhu*.csv'], ['jhu.csv'], jhu.csv), /^# No key: rows are appended \(a new version of a file replaces its rows\)\.\n/m);
  // A label some rows leave empty: their figures are no bar of their own.
  const partly = await shape('partly', [`region,${days.join(',')}`, ...rows(30, (i) => `${i % 3 ? `R${i % 4}` : ''},${days.map((_, d) => 100 * i + d).join(',')}`)]);
  assert.match(starterKpi([partly]).yaml, /sum\("c_1_1_21"\)::DOUBLE AS "c_1_1_21"\n {2}FROM "partly"\n {2}WHERE "c_1_1_21" IS NOT NULL AND "region" IS NOT NULL\n/);
  // A year of a row each is still suggested, its visitors never.
  const yearly = await shape('yearly', ['city,visitors,year', ...rows(5, (i) => `Lyon,${100 + i},${2019 + i}`)]);
  assert.match(datasetYaml('yearly', ['yearly*.csv'], ['yearly.csv'], yearly.csv), /year is unique in these 5 rows, which may be by chance: if each row is one year, `key: year`/);
});

test("NYC taxi's fares of cents summed per month: rounded to cents, not a double's 37822.389999999956; a figure in exponents is not rounded", async () => {
  const taxi = await shape('taxi', ['VendorID,tpep_pickup_datetime,fare_amount,total_amount', ...rows(300, (i) => `${1 + (i % 2)},2024-01-${String(1 + (i % 28)).padStart(2, '0')} 0${i % 10}:12:00,${(3.1 + ((i * 7) % 290) * 1.37).toFixed(2)},${(5.25 + i * 0.1).toFixed(2)}`)]);
  assert.equal(taxi.csv.columns.find((c) => c.name === 'fare_amount')?.decimals, 2);
  const kpi = starterKpi([taxi]);
  assert.match(kpi.yaml, /SELECT date_trunc\('month', "tpep_pickup_datetime"\)::DATE AS month, round\(sum\("fare_amount"\), 2\)::DOUBLE AS "fare_amount"/);
  const cents = Array.from({ length: 300 }, (_, i) => Math.round((3.1 + ((i * 7) % 290) * 1.37) * 100)).reduce((a, b) => a + b, 0);
  assert.deepEqual((await served(kpi, 'taxi', { tpep_pickup_datetime: 'tpep_pickup_datetime', fare_amount: 'fare_amount' })).map((r) => r['fare_amount']), [cents / 100]);
  const tiny = await shape('tiny', ['day,amount', ...rows(20, (i) => `2024-0${1 + (i % 3)}-01,${(1.5 + i).toFixed(1)}e-05`)]);
  assert.equal(tiny.csv.columns.find((c) => c.name === 'amount')?.decimals, 99);
  assert.match(starterKpi([tiny]).yaml, /, sum\("amount"\)::DOUBLE AS "amount"/);
});
