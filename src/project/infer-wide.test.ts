import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/duckdb.js';
import { inferCsv, type InferredCsv } from './infer.js';

let engine: Engine;
let dir: string;
before(async () => {
  engine = await Engine.openTemporary({ threads: 2, memoryLimit: '256MB' }, 'infer-wide-test');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datalake-infer-wide-'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A survey export: a respondent's id, then answers of six kinds in turn (a scale, yes/no, a date, an amount, codes with NA, never answered). */
function survey(columns: number): string {
  const kinds = [(r: number) => String((r % 5) + 1), (r: number) => (r % 3 ? 'Y' : 'N'), (r: number) => `2024-0${1 + (r % 9)}-1${r % 10}`, (r: number) => (r * 1.25).toFixed(2), (r: number) => (r % 7 ? `code ${r % 3}` : 'NA'), () => ''];
  const header = ['respondent_id', ...Array.from({ length: columns - 1 }, (_, i) => `q${i + 1}`)];
  const rows = Array.from({ length: 40 }, (_, r) => [String(r + 1), ...Array.from({ length: columns - 1 }, (_, i) => kinds[i % kinds.length]!(r))]);
  return [header, ...rows].map((fields) => fields.join(',')).join('\n') + '\n';
}

/** The file inferred, with the SQL of every statement it took. */
async function inferred(columns: number): Promise<{ csv: InferredCsv; statements: string[] }> {
  const file = path.join(dir, `survey-${columns}.csv`);
  await fs.writeFile(file, survey(columns));
  const statements: string[] = [];
  const rows = engine.rows.bind(engine);
  engine.rows = ((sql: string, ...rest: Parameters<typeof rows> extends [string, ...infer R] ? R : never) => {
    statements.push(sql);
    return rows(sql, ...rest);
  }) as typeof engine.rows;
  try {
    return { csv: await inferCsv(engine, file), statements };
  } finally {
    engine.rows = rows;
  }
}

const occurrences = (sql: string, word: string) => sql.split(word).length - 1;

test('a survey export of 400 columns is typed in a few statements grouped by column, none keeping state per column', async () => {
  const narrow = await inferred(25);
  const wide = await inferred(400);
  const kinds = (csv: InferredCsv) => csv.columns.slice(0, 7).map((c) => [c.type, c.unique, c.distinct]);
  const expected = [['integer', true, 40], ['integer', false, 5], ['boolean', false, 2], ['date', true, 40], ['number', true, 40], ['text', false, 4], ['text', false, 0]];
  assert.deepEqual(kinds(narrow.csv), expected);
  assert.deepEqual(kinds(wide.csv), expected);
  // Each answer typed as in the narrow file, the last of 400 as the first.
  const cycle = narrow.csv.columns.slice(1, 7).map((c) => c.type);
  assert.deepEqual(wide.csv.columns.slice(1).map((c) => c.type), wide.csv.columns.slice(1).map((_, i) => cycle[i % 6]));
  assert.deepEqual([wide.csv.textTokens.length, wide.csv.textTokens[65]], [66, { value: 'NA', column: 'q395' }], 'the NA of each column of codes is said');
  // Asked column by column, a statement per 20 columns: 59 statements here, each holding a `count(DISTINCT ...)`
  // (a hash table of its own, megabytes each) and a dozen FILTER clauses (a copy of the rows each) per column.
  assert.ok(wide.statements.length <= narrow.statements.length + 6, `${narrow.statements.length} statements for 25 columns, ${wide.statements.length} for 400`);
  for (const sql of wide.statements) {
    assert.ok(occurrences(sql, '(DISTINCT ') <= 4, `DISTINCT ${occurrences(sql, '(DISTINCT ')} times: ${sql.slice(0, 200)}`);
    assert.ok(occurrences(sql, 'FILTER') <= 30, `FILTER ${occurrences(sql, 'FILTER')} times: ${sql.slice(0, 200)}`);
  }
});
