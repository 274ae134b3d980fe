import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ColumnSpec, DatasetSpec } from '../project/types.js';
import { shopDataset } from '../../test/support/shop.js';
import { Engine, type Row } from '../engine/duckdb.js';
import { cleanDataset } from './cleaning.js';
import { matchHeader, parseHeader } from './csv-header.js';
import { judgedRows } from './judging.js';
import { MIN_RUN } from './column-runs.js';
import { MANY_RULES } from './rule-checks.js';

// A wide file (a column per day, as Johns Hopkins' COVID-19 series): its runs of columns read alike are
// judged as lists, with the rows, quarantine and quality report of the columns judged one by one.

let engine: Engine;
let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'column-runs-'));
  engine = await Engine.open({ threads: 2, memoryLimit: '512MB' }, path.join(dir, 'spill'));
});
after(async () => {
  engine.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const column = (type: ColumnSpec['type'], more: Partial<ColumnSpec> = {}): ColumnSpec => ({ type, required: false, personal: false, ...more });
const days = Array.from({ length: 30 }, (_, i) => `d${i + 1}`);
const shares = Array.from({ length: 20 }, (_, i) => `p${i + 1}`);
const notes = Array.from({ length: 20 }, (_, i) => `t${i + 1}`);
const wide: DatasetSpec = {
  ...shopDataset('achats'),
  name: 'series',
  key: ['id'],
  partitionBy: undefined,
  references: [],
  rules: [],
  nullValues: ['NA'],
  columns: {
    id: column('integer', { required: true }),
    region: column('text'),
    ...Object.fromEntries(days.map((d) => [d, column('integer', { required: true })])),
    ...Object.fromEntries(shares.map((p) => [p, column('decimal', { scale: 2, unit: '%' })])),
    ...Object.fromEntries(notes.map((t) => [t, column('text')])),
  },
};

/** A row of the file: every value filled, `over` replacing some. */
const row = (id: string, over: Record<string, string> = {}) => {
  const value = (c: string) => over[c] ?? (c === 'region' ? 'North' : c.startsWith('d') ? String(Number(c.slice(1)) * 10 + Number(id)) : c.startsWith('p') ? '1.25 %' : 'note');
  return Object.keys(wide.columns).map((c) => (c === 'id' ? id : value(c))).join(',');
};
const FILE = [
  Object.keys(wide.columns).join(','),
  row('1'),
  row('2', { d5: 'abc', d9: '' }),
  row('3', { d3: '' }),
  row('4', { p4: '12.345 %' }),
  row('5', { d20: 'C12345', p1: '(3.50 %)' }),
  row('1', { d1: '999' }),
  Object.keys(wide.columns).map(() => '').join(','),
  row('6', { d30: '1e3' }),
  `${row('7')},extra`,
  row('8', { d2: ' 7 ', t2: ' NA ', t3: '  spaced  ' }),
].join('\n');

async function clean(spec: DatasetSpec, csv: string, rows: number | undefined) {
  const name = `case${rows ?? 'columns'}`;
  const csvPath = path.join(dir, `${name}.csv`);
  await fs.writeFile(csvPath, csv);
  const outDir = path.join(dir, name);
  await fs.mkdir(outDir, { recursive: true });
  const header = matchHeader(parseHeader(csv.split('\n')[0]!, spec.delimiter), spec).names;
  const statements: string[] = [];
  const recorded = { run: engine.run.bind(engine), rows: engine.rows.bind(engine) };
  engine.run = (sql, ...rest) => (statements.push(sql), recorded.run(sql, ...rest));
  engine.rows = (sql, ...rest) => (statements.push(sql), recorded.rows(sql, ...rest));
  try {
    const result = await cleanDataset(engine, spec, csvPath, { header, sourceName: 'series.csv', outDir, tag: `_${name}`, today: '2026-06-15', ...(rows === undefined ? {} : { rows }) });
    engine.run = recorded.run;
    engine.rows = recorded.rows;
    try {
      return {
        statements,
        rows: await engine.rows(`SELECT * FROM ${result.validRelation} ORDER BY _record`),
        quarantine: result.quarantineFile ? await engine.rows(`SELECT * FROM read_parquet('${result.quarantineFile}') ORDER BY _record NULLS LAST`) : ([] as Row[]),
        stats: result.stats,
        quality: result.quality,
      };
    } finally {
      await result.dispose();
    }
  } finally {
    engine.run = recorded.run;
    engine.rows = recorded.rows;
  }
}

describe('a wide file: runs of columns judged as lists', () => {
  test('the runs are the consecutive columns read alike, of MIN_RUN or more; a file of few rows reads them as lists', async () => {
    const judging = await judgedRows(engine, wide, path.join(dir, 'none.csv'), { header: Object.keys(wide.columns), rows: 10 });
    assert.deepEqual(
      judging.runs.map((r) => r.columns),
      [days, shares, notes],
    );
    assert.ok(days.length >= MIN_RUN && judging.rules.length > MANY_RULES);
    assert.ok(judging.judged('SELECT 1').includes('"_wt0"'));
    const tall = await judgedRows(engine, wide, path.join(dir, 'none.csv'), { header: Object.keys(wide.columns), rows: 1_000_000 });
    assert.ok(!tall.judged('SELECT 1').includes('"_wt0"'));
  });

  test('judged as lists or column by column, the same rows, quarantine, counts and quality report', async () => {
    const listed = await clean(wide, FILE, 10);
    const oneByOne = await clean(wide, FILE, undefined);
    assert.deepEqual(listed.rows, oneByOne.rows);
    assert.deepEqual(listed.quarantine, oneByOne.quarantine);
    assert.deepEqual(listed.stats, oneByOne.stats);
    assert.deepEqual(listed.quality, oneByOne.quality);
  });

  test('each row is judged as a column of its own would be: the first failed rule in column order, its detail, its examples', async () => {
    const { rows, quarantine, stats, quality } = await clean(wide, FILE, 10);
    assert.deepEqual(
      rows.map((r) => [r['id'], r['_record'], r['d2'], r['t2'], r['t3'], r['p1']]),
      [
        [1, 1, 21, 'note', 'note', 1.25],
        [8, 9, 7, null, 'spaced', 1.25],
      ],
    );
    assert.deepEqual(
      quarantine.map((q) => [q['_record'], q['_reason'], q['_detail']]),
      [
        [2, 'invalid_integer:d5', 'd5 "abc" is not a valid integer'],
        [3, 'missing_value:d3', 'd3 is missing'],
        [4, 'invalid_number:p4', 'p4 "12.345 %" is not a valid decimal (in %) (more than 2 decimals: declare a larger scale, or type number)'],
        [5, 'invalid_integer:d20', 'd20 "C12345" is not a valid integer (letters before its digits: if d20 is an identifier, declare it type: text in datasets/series.yml)'],
        [6, 'duplicate_key:id', 'id 1 already seen in data row 1'],
        [8, 'invalid_integer:d30', 'd30 "1e3" is not a valid integer'],
        [null, 'malformed_line:too_many_columns', quarantine.at(-1)!['_detail']],
      ],
    );
    assert.deepEqual(stats.reasons, {
      'invalid_integer:d5': 1,
      'missing_value:d3': 1,
      'invalid_number:p4': 1,
      'invalid_integer:d20': 1,
      'duplicate_key:id': 1,
      'invalid_integer:d30': 1,
      'malformed_line:too_many_columns': 1,
    });
    assert.equal(stats.emptyRows, 1);
    const line = (rule: string, col: string) => quality.find((q) => q.rule === rule && q.column === col)!;
    // d9 is missing on row 2 too, after d5's failure: the report counts every rule a row fails.
    assert.deepEqual(line('required', 'd9').examples, [{ record: 2, value: null, detail: 'd9 is missing' }]);
    assert.deepEqual([line('type', 'd5').failed, line('required', 'd3').failed, line('type', 'd3').failed, line('type', 'p1').failed], [1, 1, 0, 0]);
  });

  test('statements: none of a column\'s SQL per column, and the examples of every failed rule asked at once', async () => {
    const { statements, quality } = await clean(wide, FILE, 10);
    assert.ok(quality.filter((q) => q.failed > 0).length >= 6);
    // Column by column, the cleaning statement held each column's reading (over 100 KB here, megabytes for
    // 1,143 columns), and every failed rule asked for its examples on its own.
    const longest = statements.reduce((a, b) => (b.length > a.length ? b : a));
    assert.ok(longest.length < 60_000, `longest statement: ${longest.length} characters, ${longest.replace(/\s+/g, ' ').slice(0, 60)}`);
    assert.equal(statements.filter((s) => s.includes('LIMIT 3')).length, 0);
    assert.ok(statements.length <= 30, `${statements.length} statements`);
  });
});
