import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Config } from '../src/config.js';
import { Engine, sqlString as str } from '../src/engine/duckdb.js';
import { generate } from '../src/generate/generator.js';
import { FIXED_DAY, tempConfig } from './support/env.js';
import { runPipeline } from './support/run.js';

// The lake's Parquet files are for every tool, not only DuckDB: silver and gold use format version 2's
// encodings (delta for integers, dates and decimals) and zstd. A second, independent reader
// (hyparquet, pure JavaScript) reads every file of a run and must find the rows DuckDB finds.

let config: Config;
let engine: Engine;
before(async () => {
  ({ config } = await tempConfig());
  await generate({ outDir: config.sourcesDir, clients: 300, achats: 20_000, seed: 4, asOf: FIXED_DAY });
  const { error } = await runPipeline({ config });
  assert.equal(error, undefined);
  engine = await Engine.openTemporary({ threads: 1, memoryLimit: '256MB' }, 'test');
});
after(async () => {
  engine.close();
  await fs.rm(config.dataDir, { recursive: true, force: true });
});

/** A value as both readers can agree on it: numbers to 6 places, instants as epoch milliseconds. */
function canonical(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Math.round(v * 1e6) / 1e6;
  if (v instanceof Date) return v.getTime();
  return v as string | boolean;
}

test('every silver and gold Parquet file reads the same with an independent reader', async () => {
  const files = (await fs.readdir(config.dataDir, { recursive: true }))
    .filter((f) => f.endsWith('.parquet') && !f.includes('.scratch') && /(^|\/)(silver|gold)\//.test(f) && !f.includes('quarantine'))
    .map((f) => path.join(config.dataDir, f));
  assert.ok(files.some((f) => f.includes('/silver/achats/')) && files.some((f) => f.includes('/gold/fact_achats/')), `silver and gold files found: ${files.length}`);
  let rows = 0;
  for (const file of files) {
    const columns = await engine.columns(`SELECT * FROM read_parquet(${str(file)}, hive_partitioning = false)`);
    // Dates and timestamps as epoch milliseconds, in file order.
    const select = columns.map((c) => (/^(DATE|TIMESTAMP)/.test(c.type) ? `epoch_ms(CAST("${c.name}" AS TIMESTAMP)) AS "${c.name}"` : `"${c.name}"`)).join(', ');
    const expected = await engine.rows(`SELECT ${select} FROM read_parquet(${str(file)}, hive_partitioning = false, file_row_number = true) ORDER BY file_row_number`);
    const read = await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors });
    const name = path.relative(config.dataDir, file);
    assert.equal(read.length, expected.length, `${name}: rows`);
    for (const [i, row] of read.entries()) {
      const want = Object.fromEntries(columns.map((c) => [c.name, canonical(expected[i]![c.name])]));
      const got = Object.fromEntries(columns.map((c) => [c.name, canonical(row[c.name])]));
      assert.deepEqual(got, want, `${name}: row ${i}`);
    }
    rows += read.length;
  }
  assert.ok(rows > 40_000, `rows compared: ${rows}`);
  // The encodings this test is about are the ones the files use.
  const [delta] = await engine.rows(`SELECT count(*) AS n FROM parquet_metadata([${files.map(str).join(', ')}]) WHERE encodings LIKE '%DELTA%'`);
  assert.ok(Number(delta!['n']) > 0, 'no column chunk uses a delta encoding');
});
