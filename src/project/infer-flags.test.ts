import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { inferCsv, type InferredColumn, type InferredCsv } from './infer.js';
import { datasetYaml } from './init-yaml.js';

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'infer-flags-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-infer-flags-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function inferFile(name: string, text: string): Promise<{ csv: InferredCsv; c: Record<string, InferredColumn> }> {
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  const csv = await inferCsv(engine, file);
  return { csv, c: Object.fromEntries(csv.columns.map((c) => [c.name, c])) };
}

const rows = (n: number, row: (i: number) => string) => Array.from({ length: n }, (_, i) => `${row(i)}\n`).join('');

test("figures some of which carry a statistics office's flag (StatCan's 490.3E and \"20,799.0 r\", Eurostat's 12.3 p, the ONS's [p]) are numbers, their flags named", async () => {
  // As Statistics Canada's table viewer writes them: thousands grouped, a quality grade glued to the figure, a revision after a space, marks of missing figures.
  const statcan = (i: number) => `P${i},January 2023,${i === 3 ? '"20,799.0 r"' : i % 4 === 1 ? `${i}90.3E` : i % 7 === 0 ? '..' : `"${i + 1},${100 + i}.1"`},${i % 5 === 0 ? 'F' : `${i % 9}.${i % 7}${i % 6 === 0 ? 'E' : ''}`},${i}`;
  const { csv, c } = await inferFile('lfs.csv', `Geography,Reference period,Employment,Unemployment rate,Persons\n${rows(30, statcan)}`);
  assert.deepEqual([c['employment']!.type, c['employment']!.flags, c['employment']!.nullValues], ['number', ['E', 'r'], ['..']]);
  assert.deepEqual([c['unemployment_rate']!.type, c['unemployment_rate']!.flags, c['unemployment_rate']!.nullValues], ['number', ['E'], ['F']]);
  assert.equal(c['persons']!.flags, undefined);
  const yaml = datasetYaml('lfs', ['lfs*.csv'], ['lfs.csv'], csv);
  assert.match(yaml, /^ {2}employment: \{ type: number, flags: true, null_values: \["\.\."\] \} {3}# header "Employment"; some figures written with a flag after them \(E, r: a quality grade, revised, provisional\.\.\.\): read without it$/m, yaml);
  // Whole numbers flagged after a space, or in brackets (thousands grouped beside decimal points: numbers, as without flags); Eurostat's flags together (`bep`).
  const eurostat = await inferFile('estat.csv', `geo,births,deaths,rate\n${rows(12, (i) => `G${i},${i === 2 ? '"1,234 [p]"' : `${i}${i === 5 ? ' p' : ''}`},${i}${i === 7 ? ' [e]' : ''},${i}.5${i === 4 ? ' bep' : i === 8 ? ' e' : ''}`)}`);
  assert.deepEqual([eurostat.c['births']!.type, eurostat.c['births']!.flags, eurostat.csv.decimalSeparator], ['number', ['[p]', 'p'], '.']);
  assert.deepEqual([eurostat.c['deaths']!.type, eurostat.c['deaths']!.flags], ['integer', ['[e]']]);
  assert.deepEqual([eurostat.c['rate']!.type, eurostat.c['rate']!.flags], ['number', ['bep', 'e']]);
});

test('no flags where a letter after digits is something else: an exponent, a unit on every value, a seat or a flat, an id', async () => {
  const { c } = await inferFile('other.csv', `n,exp,secs,seat,flat,code_id\n${rows(12, (i) => `${i},${i === 2 ? '1e3' : `${i}.5${i === 4 ? 'e' : ''}`},${i}.5 s,${i + 1}${'ABCD'[i % 4]},${i + 1}${i % 3 === 0 ? 'B' : ''},${i}.5${i === 3 ? ' r' : ''}`)}`);
  for (const name of ['exp', 'secs', 'seat', 'flat', 'code_id']) assert.deepEqual([name, c[name]!.type, c[name]!.flags], [name, 'text', undefined]);
});

test("a column of numbers beside an office's marks (.., x, [x]) is declared with flags, for the next release's revisions; beside NOAA's M or nines, not", async () => {
  const { csv } = await inferFile('marks.csv', `area,employment,births,tmax,prcp\n${rows(12, (i) => `A${i},${i === 3 ? '..' : `${i}.5`},${i === 4 ? '[x]' : i * 10},${i === 5 ? 'M' : i},${i < 3 ? '-9999' : `${i}.${i}`}`)}`);
  const yaml = datasetYaml('marks', ['marks*.csv'], ['marks.csv'], csv);
  assert.match(yaml, /^ {2}employment: \{ type: number, flags: true, null_values: \["\.\."\] \}$/m, yaml);
  assert.match(yaml, /^ {2}births: \{ type: integer, flags: true, null_values: \["\[x\]"\] \}$/m, yaml);
  assert.match(yaml, /^ {2}tmax: \{ type: integer, null_values: \["M"\] \}$/m, yaml);
  assert.match(yaml, /^ {2}prcp: \{ type: number, null_values: \["-9999"\] \}/m, yaml);
});
