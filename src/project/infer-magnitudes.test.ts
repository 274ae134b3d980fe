import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { inferCsv, type InferredCsv } from './infer.js';
import { datasetYaml } from './init-yaml.js';

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'infer-magnitudes-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-infer-magnitudes-'));
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

const shape = (csv: InferredCsv) => Object.fromEntries(csv.columns.map((c) => [c.name, [c.type, c.magnitudes, c.nullValues]]));

test("Investing.com's volumes (52.34K, 1.23M, - where none) are numbers with magnitudes, the dash missing", async () => {
  const vols = ['878.05K', '-', '1.23M', '52.34K', '2.10B', '427.89K'];
  const rows = Array.from({ length: 30 }, (_, i) => `"${String((i % 28) + 1).padStart(2, '0')}/0${1 + Math.floor(i / 28)}/2024","28,822.7","${vols[i % vols.length]}","${i % 2 ? '-' : ''}3.35%"`);
  const csv = await inferFile('Bitcoin Historical Data.csv', ['"Date","Price","Vol.","Change %"', ...rows]);
  assert.deepEqual(shape(csv)['vol'], ['number', true, undefined]);
  assert.deepEqual(csv.nullValues, ['-']);
  assert.equal(csv.decimalSeparator, '.');
  assert.match(datasetYaml('bitcoin', ['Bitcoin Historical Data*.csv'], ['Bitcoin Historical Data.csv'], csv), /^ {2}vol: \{ type: number, magnitudes: true \} {3}# header "Vol\."; numbers with a magnitude after them: 52\.34K read as 52340/m);
});

test('magnitudes in every shape a finance site writes them: lower-case k, two of them without decimals, a statistics dash, decimal commas', async () => {
  const rows = Array.from({ length: 12 }, (_, i) => `${i},${['1.5k', '12', '0.7k'][i % 3]},${['950K', '1M', '2M', '\u2014'][i % 4]},${['1.2T', '880.5B'][i % 2]}`);
  const csv = await inferFile('caps.csv', ['n,followers,avg_volume,market_cap', ...rows]);
  const s = shape(csv);
  assert.deepEqual([s['followers'], s['avg_volume'], s['market_cap']], [['number', true, undefined], ['number', true, ['\u2014']], ['number', true, undefined]]);
  const german = await inferFile('btc-de.csv', ['Datum;Vol.', ...Array.from({ length: 10 }, (_, i) => `0${i}.01.2024;${i % 2 ? '52,34K' : '1,2M'}`)]);
  assert.deepEqual([shape(german)['vol'], german.decimalSeparator], [['number', true, undefined], ',']);
});

test('ids, codes and labels are not magnitudes: B12, K9, 1.2M among codes, seats of one letter, or a column named as an id', async () => {
  const rows = Array.from({ length: 12 }, (_, i) => [['B12', 'K9', '1.2M'][i % 3], ['12B', '3B', '14B'][i % 3], ['5K', '10K'][i % 2], ['1.2M', '3.4K'][i % 2], ['1.2M', '3.4K'][i % 2], ['12.5K', 'abc'][i % 2]].join(','));
  const csv = await inferFile('codes.csv', ['code_a,seat,race,part_id,zip_code,note', ...rows]);
  for (const c of csv.columns) assert.deepEqual([c.name, c.type, c.magnitudes], [c.name, 'text', undefined]);
});
