import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../engine/duckdb.js';
import { inferCsv, type InferredCsv } from './infer.js';
import { redownloadCandidate, redownloadOverlap } from './infer-redownload.js';
import { mergeShapes } from './shapes.js';

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'redownload-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-redownload-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Whether `column`, unique in each of the files, may be their key though it repeats across them (as init asks it). */
async function overlap(column: string, files: Record<string, string>, dataset: string): Promise<boolean> {
  const parts: InferredCsv[] = [];
  for (const [name, text] of Object.entries(files)) {
    await fs.writeFile(path.join(dir, name), text);
    parts.push({ ...(await inferCsv(engine, path.join(dir, name))), dataset });
  }
  const csv = parts.slice(1).reduce(mergeShapes, parts[0]!);
  const c = csv.columns.find((x) => x.name === column)!;
  return redownloadCandidate(c, csv) && (await redownloadOverlap(engine, csv, parts, c));
}

test("an id repeating across two downloads of one export, its rows alike, may be their key; a panel's codes over two years, ids restarting each file, a shared code or a rank may not", async () => {
  const books = 'Book Id,Title,Author,My Rating,Average Rating,Date Read,Exclusive Shelf\n';
  assert.equal(await overlap('book_id', {
    'goodreads_library_export.csv': `${books}5107,The Catcher in the Rye,J.D. Salinger,0,3.80,,to-read\n44767458,Dune,Frank Herbert,5,4.27,2023/12/30,read\n`,
    // Downloaded again: a rating given, a book read, every average moved a little.
    'goodreads_library_export (1).csv': `${books}40121378,Atomic Habits,James Clear,4,4.33,2024/02/20,read\n5107,The Catcher in the Rye,J.D. Salinger,4,3.81,2024/02/15,read\n44767458,Dune,Frank Herbert,5,4.28,2023/12/30,read\n`,
  }, 'goodreads_library_export'), true);
  // Each year's file holds every country once: its code repeats, its name too, but the year differs.
  const panel = (year: number) => `Country Name,Country Code,Year,GDP\nAruba,ABW,${year},${3000 + year}\nAngola,AGO,${year},${7000 - year}\nFrance,FRA,${year},${year * 2}\n`;
  assert.equal(await overlap('country_code', { 'gdp_2019.csv': panel(2019), 'gdp_2020.csv': panel(2020) }, 'gdp'), false);
  // Readings numbered again in each day's file: the same sensors in the same order, other values and times.
  const day = (d: number) => `reading_id,sensor,unit,taken_at,value\n${[1, 2, 3, 4].map((i) => `${i},s${i % 2},C,2024-01-0${d} 0${i}:00:00,${d * 10 + i}.5`).join('\n')}\n`;
  assert.equal(await overlap('reading_id', { 'readings_1.csv': day(1), 'readings_2.csv': day(2) }, 'readings'), false);
  // Order lines numbered again, nothing unique beside them: half their columns differ.
  const lines = (o: number) => `line_id,order_ref,product,qty,note\n1,A${o},pen,${o},x${o}\n2,A${o},ink,${o + 1},y${o}\n3,B${o},pad,${o + 2},z${o}\n`;
  assert.equal(await overlap('line_id', { 'lines_1.csv': lines(1), 'lines_2.csv': lines(2) }, 'lines'), false);
  // Alike rows do not make a shared code or a rank a key.
  const shops = 'Shop,Postal Code,Opened\nNorth,10007,2020\nEast,02139,2021\n';
  assert.equal(await overlap('postal_code', { 'shops.csv': shops, 'shops (1).csv': shops }, 'shops'), false);
  const chart = 'rank,track,artist\n1,Song A,Ann\n2,Song B,Bob\n';
  assert.equal(await overlap('rank', { 'chart.csv': chart, 'chart (1).csv': chart }, 'chart'), false);
});
