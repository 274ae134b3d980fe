import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { inferCsv, type InferredColumn } from './infer.js';

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'infer-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-infer-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function infer(name: string, lines: string[]): Promise<Record<string, InferredColumn>> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  const csv = await inferCsv(engine, file);
  return Object.fromEntries(csv.columns.map((c) => [c.name, c]));
}

describe('inferCsv', () => {
  test('a time of day makes a timestamp: a date column would drop it', async () => {
    const c = await infer('times.csv', ['at,day,midnight', '2001-01-01 00:01:00,2001-01-01,2001-01-01 00:00:00', '2001-01-02 13:45:10,2001-01-02,2001-01-02 00:00:00']);
    assert.equal(c['at']!.type, 'timestamp');
    assert.equal(c['day']!.type, 'date');
    // Midnight everywhere: reading it as a date loses nothing.
    assert.equal(c['midnight']!.type, 'date');
  });

  test('a date format is checked on every row, not only on the first rows it is tried on', async () => {
    // 12,000 rows whose day and month are both at most 12: day-first and month-first both read them...
    const rows = Array.from({ length: 12_000 }, (_, i) => `${i},${String((i % 12) + 1).padStart(2, '0')}/${String((i % 11) + 1).padStart(2, '0')}/2024,${String((i % 9) + 1).padStart(2, '0')}/01/2024`);
    // ...until the last ones: day 25 can only be month-first; "13/40/2024" is no date at all.
    const c = await infer('late.csv', ['id,us,broken', ...rows, '12000,12/25/2024,01/01/2024', '12001,01/02/2024,13/40/2024']);
    assert.equal(c['us']!.type, 'date');
    assert.equal(c['us']!.format, '%m/%d/%Y');
    assert.equal(c['us']!.ambiguousWith, undefined, 'the day-first reading failed on row 12,000');
    assert.equal(c['broken']!.type, 'text');
    assert.equal(c['id']!.type, 'integer');
    assert.ok(c['id']!.unique);
  });

  test('codes with leading zeros stay text; dates with month names are found', async () => {
    const c = await infer('codes.csv', ['zip,phone,amount,day', '00501,0612345678,0.5,Jan 1 2000', '10001,0712345678,12,Feb 29 2000']);
    assert.equal(c['zip']!.type, 'text', 'as an integer, 00501 would be 501');
    assert.equal(c['phone']!.type, 'text');
    assert.equal(c['amount']!.type, 'number', '0.5 is no code');
    assert.deepEqual([c['day']!.type, c['day']!.format], ['date', '%b %d %Y']);
  });

  test('a column typed by the cheap tests is not tried with formats; empty columns stay text', async () => {
    const c = await infer('plain.csv', ['n,empty,word', '1,,a', '2,,b']);
    assert.equal(c['n']!.type, 'integer');
    assert.equal(c['empty']!.type, 'text');
    assert.equal(c['word']!.type, 'text');
  });
});
