import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { inferCsv, type InferredCsv } from './infer.js';
import { seriesPeriod } from './infer-series.js';
import { datasetYaml, keyOf } from './init-yaml.js';
import { initFromCsv } from './init.js';

// A series' date is its key when its values are regularly spaced: a download of it again, overlapping the
// first, replaces the periods both hold rather than add them twice. Events one a day by chance are none.

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'infer-series-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-series-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function inferFile(name: string, lines: string[]): Promise<InferredCsv> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  return inferCsv(engine, file);
}

/** The period seriesPeriod finds in one file, or undefined. */
async function period(name: string, lines: string[]): Promise<string | undefined> {
  const csv = await inferFile(name, lines);
  return (await seriesPeriod(engine, csv, [csv]))?.period;
}

const day = (start: string, n: number) => new Date(Date.parse(`${start}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const rows = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i));
/** Weekdays from a Monday, `holidays` (their places among the weekdays) left out. */
const weekdays = (start: string, n: number, holidays: number[]) => rows(n + holidays.length, (i) => day(start, Math.floor(i / 5) * 7 + (i % 5))).filter((_, i) => !holidays.includes(i));

test("Google Trends' weeks after its two lines of preamble, FRED's months, quarters and years, month ends, a step counter's days, a sensor's hours and five minutes: a series of their period", async () => {
  const trends = ['Category: All categories', '', 'Week,data lake: (Worldwide)', ...rows(52, (i) => `${day('2023-12-03', 7 * i)},${40 + (i % 20)}`)];
  const csv = await inferFile('multiTimeline.csv', trends);
  assert.deepEqual(await seriesPeriod(engine, csv, [csv]), { column: 'week', period: 'week' });
  assert.equal(await period('UNRATE.csv', ['observation_date,UNRATE', ...rows(30, (i) => `${1948 + Math.floor(i / 12)}-${String(1 + (i % 12)).padStart(2, '0')}-01,${i === 4 ? '.' : (3.4 + i / 10).toFixed(1)}`)]), 'month');
  assert.equal(await period('GDP.csv', ['observation_date,GDP', ...rows(12, (i) => `${1947 + Math.floor(i / 4)}-${String(1 + 3 * (i % 4)).padStart(2, '0')}-01,${243 + i}`)]), 'quarter');
  assert.equal(await period('population.csv', ['year_start,population', ...rows(10, (i) => `${2000 + i}-01-01,${1000 + i}`)]), 'year');
  // Month ends, written month first: `01/31/2024`, `02/29/2024`...
  assert.equal(await period('balances.csv', ['Month End,Balance', ...rows(10, (i) => { const end = new Date(Date.UTC(2024, i + 1, 0)); return `${String(end.getUTCMonth() + 1).padStart(2, '0')}/${end.getUTCDate()}/2024,${100 + i}`; })]), 'month');
  // Fitbit's daily steps, newest first: the order in the file does not matter.
  assert.equal(await period('fitbit.csv', ['Date,Steps', ...rows(20, (i) => `${day('2024-03-01', 19 - i)},${8000 + i * 13}`)]), 'day');
  assert.equal(await period('sensor.csv', ['time,temperature', ...rows(24, (i) => `2024-03-01 ${String(i).padStart(2, '0')}:00:00,${(12 + i / 3).toFixed(1)}`)]), 'hour');
  assert.equal(await period('meter.csv', ['reading_at,kwh', ...rows(12, (i) => `2024-03-01 10:${String(5 * i).padStart(2, '0')}:00,${i}`)]), '5 minutes');
  // The only date column, though not the first: a symbol of one value before it.
  assert.equal(await period('quotes.csv', ['Symbol,Date,Close', ...rows(10, (i) => `AAPL,${day('2024-01-01', i)},${180 + i}`)]), 'day');
});

test("Yahoo Finance's trading days (weekends and holidays missing, Good Friday and Easter Monday too) and Nasdaq's, newest first and month first: a series of trading days", async () => {
  // 2024-03-04 is a Monday; weekdays 18 and 20 (Good Friday, Easter Monday) and 30 missing.
  const yahoo = weekdays('2024-03-04', 40, [18, 20, 31]).map((d, i) => `${d},${170 + i}.5,${172 + i}.1,${169 + i}.2,${171 + i}.3,${171 + i}.3,${5000000 + i}`);
  assert.equal(await period('AAPL.csv', ['Date,Open,High,Low,Close,Adj Close,Volume', ...yahoo]), 'trading day');
  const nasdaq = weekdays('2024-01-01', 30, [0, 11]).reverse().map((d, i) => `${d.slice(5, 7)}/${d.slice(8)}/${d.slice(0, 4)},$${(180 + i / 3).toFixed(2)},${1000 + i}`);
  assert.equal(await period('HistoricalData_1712345678.csv', ['Date,Close/Last,Volume', ...nasdaq]), 'trading day');
});

test("a statement's charges one a day by chance, weekday events skipping many days, a series too short to tell, a date column among others not first: no series", async () => {
  const charges = [3, 9, 10, 17, 18, 21, 24, 27, 28, 30].map((d, i) => `2024-03-${String(d).padStart(2, '0')},Shop ${i},-${(12 + i * 3.1).toFixed(2)}`);
  const statement = await inferFile('statement.csv', ['Date,Description,Amount', ...charges]);
  assert.equal(await seriesPeriod(engine, statement, [statement]), undefined);
  // Still suggested in a comment, as before.
  assert.match(datasetYaml('statement', ['statement*.csv'], ['statement.csv'], statement), /^# No key: rows are appended .* date is unique in these files: if each row is one date's figure \(a series\), `key: date`/m);
  // One charge a day, every day so far: events all the same, each labelled apart; the next file may hold two of a day.
  assert.equal(await period('coffee.csv', ['Date,Description,Amount', ...rows(10, (i) => `${day('2024-03-01', i)},Cafe ${i} card 4411,-${(3 + i / 10).toFixed(2)}`)]), undefined);
  assert.equal(await period('visits.csv', ['day,visitors', ...weekdays('2024-03-04', 20, [1, 4, 6, 9, 13]).map((d, i) => `${d},${i}`)]), undefined);
  assert.equal(await period('short.csv', ['Week,interest', ...rows(7, (i) => `${day('2024-01-07', 7 * i)},${i}`)]), undefined);
  // Every other day for a while, then daily: no constant step.
  assert.equal(await period('log.csv', ['date,weight', ...rows(12, (i) => `${day('2024-01-01', i < 6 ? 2 * i : i + 6)},${70 + i / 10}`)]), undefined);
  assert.equal(await period('trips.csv', ['Name,Departure,Return', ...rows(10, (i) => `Trip ${i},${day('2024-01-01', i)},${day('2024-01-05', i)}`)]), undefined);
});

test('the series key in the definition: why, and that without it rows are appended; a real id column wins, and a date repeating across two files is none', async () => {
  const csvs = path.join(dir, 'series-csvs');
  await fs.mkdir(csvs, { recursive: true });
  const weeks = (from: number, n: number) => ['Category: All categories', '', 'Week,data lake: (Worldwide)', ...rows(n, (i) => `${day('2023-01-01', 7 * (from + i))},${50 + i}`)].join('\n');
  await fs.writeFile(path.join(csvs, 'multiTimeline.csv'), `${weeks(0, 20)}\n`);
  await fs.writeFile(path.join(csvs, 'orders.csv'), `order_id,day,total\n${rows(10, (i) => `${100 + i},${day('2024-01-01', i)},${i}.5`).join('\n')}\n`);
  // Each month's file restarts the days of a store's readings: unique in each file, not across them.
  await fs.writeFile(path.join(csvs, 'readings_2024-01.csv'), `date,kwh\n${rows(10, (i) => `${day('2024-01-01', i)},${i}`).join('\n')}\n`);
  await fs.writeFile(path.join(csvs, 'readings_2024-02.csv'), `date,kwh\n${rows(10, (i) => `${day('2024-01-01', i)},${i + 1}`).join('\n')}\n`);
  const target = path.join(dir, 'series-project');
  const result = await initFromCsv(target, ['multiTimeline.csv', 'orders.csv', 'readings_2024-01.csv', 'readings_2024-02.csv'].map((f) => path.join(csvs, f)));
  assert.deepEqual(result.datasets.map((d) => [d.name, d.key]), [['multi_timeline', ['week']], ['orders', ['order_id']], ['readings', []]]);
  const yaml = await fs.readFile(path.join(target, 'datasets', 'multi_timeline.yml'), 'utf8');
  assert.match(yaml, /^# A series: week is a date every week, unique and never empty in these files, each row one week's figure\. A download of it again .* replaces the rows .* Without the key \(remove it\), rows are appended\.\nkey: week$/m);
  assert.match(yaml, /^ {2}week: \{ type: date, required: true \}/m);
  const csv = await inferFile('multiTimeline.csv', weeks(0, 20).split('\n'));
  assert.deepEqual(keyOf({ ...csv, series: { column: 'week', period: 'week' } }), ['week']);
  assert.deepEqual(keyOf(csv), []);
});
