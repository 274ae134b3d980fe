import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, sqlString as str } from '../engine/duckdb.js';
import { safeCell, safeCellSql, safeColumnSql } from './csv-cells.js';

/** Each cell and what a CSV the API sends must hold for it. */
const CELLS: [string, string][] = [
  ['=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'],
  ['+SUM(A1:A9)', "'+SUM(A1:A9)"],
  ['-2+3', "'-2+3"],
  ['-', "'-"],
  ['@SUM(A1)', "'@SUM(A1)"],
  ['\t=1+1', "'\t=1+1"],
  ['\r=1+1', "'\r=1+1"],
  ['-12.5', '-12.5'],
  ['+3', '+3'],
  ['-1e-5', '-1e-5'],
  ['-12,5', '-12,5'],
  ['-.5', '-.5'],
  ['France', 'France'],
  ['a=b', 'a=b'],
  ['', ''],
];

test('a cell a spreadsheet would run as a formula gets a quote before it; a plain number, negative or not, is left as is', () => {
  for (const [cell, safe] of CELLS) assert.equal(safeCell(cell), safe, JSON.stringify(cell));
});

test('the SQL form of the rule (explorer downloads) gives what the JavaScript one gives, cell for cell', async () => {
  const engine = await Engine.openTemporary({ threads: 1, memoryLimit: '64MB' }, 'test');
  try {
    const values = CELLS.map(([cell], i) => `(${i}, ${str(cell)})`).join(', ');
    const rows = await engine.rows(`SELECT i, ${safeCellSql('c')} AS safe FROM (VALUES ${values}) t(i, c) ORDER BY i`);
    assert.deepEqual(rows.map((r) => r['safe']), CELLS.map(([, safe]) => safe));
    // Numbers and dates are written as such; a value of another type is made safe as its text.
    const typed = await engine.rows(
      `SELECT ${safeColumnSql('n', 'DOUBLE')} AS n, ${safeColumnSql('d', 'DATE')}::VARCHAR AS d, ${safeColumnSql('b', 'BLOB')} AS b, ${safeColumnSql('e', 'INTEGER')} AS e FROM (SELECT -12.5::DOUBLE AS n, DATE '2026-01-02' AS d, '=1'::BLOB AS b, NULL::INTEGER AS e)`,
    );
    assert.deepEqual(typed, [{ n: -12.5, d: '2026-01-02', b: "'=1", e: null }]);
  } finally {
    engine.close();
  }
});
