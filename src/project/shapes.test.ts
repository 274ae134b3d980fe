import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InferredColumn, InferredCsv } from './infer.js';
import { mergeShapes, oneTable } from './shapes.js';

const column = (name: string, type: InferredColumn['type'], extra: Partial<InferredColumn> = {}): InferredColumn => ({ header: name, name, type, complete: true, unique: false, distinct: 2, ...extra });
const csv = (columns: InferredColumn[], extra: Partial<InferredCsv> = {}): InferredCsv => ({ delimiter: ',', skipLines: 0, encoding: 'utf-8', text: 'x.csv', rows: 2, columns, nullValues: [], nullValuesInText: [], textTokens: [], unreadRecords: 0, plainQuotes: true, ...extra });

test('files of one table: the same columns in any order, or one file\'s all among the other\'s', () => {
  const a = csv([column('id', 'integer'), column('amount', 'integer')]);
  assert.ok(oneTable(a, csv([column('amount', 'integer'), column('id', 'integer')])));
  assert.ok(oneTable(a, csv([column('id', 'integer'), column('amount', 'integer'), column('channel', 'text')])));
  assert.ok(!oneTable(a, csv([column('id', 'integer'), column('channel', 'text')])));
  // A month that renames a column (adds one, drops another): one table while most columns are shared.
  const wide = csv(['id', 'day', 'store', 'amount'].map((n) => column(n, 'text')));
  assert.ok(oneTable(wide, csv(['id', 'day', 'store', 'total'].map((n) => column(n, 'text')))));
  assert.ok(!oneTable(wide, csv(['id', 'day', 'shop', 'amount', 'channel'].map((n) => column(n, 'text')))));
  assert.ok(!oneTable(wide, csv(['id', 'day', 'shop', 'total'].map((n) => column(n, 'text')))));
  // Customers and orders of one system, exported with the same audit columns: two tables.
  const audit = ['id', 'created_at', 'updated_at', 'created_by', 'updated_by'];
  assert.ok(!oneTable(csv([...audit, 'name', 'email'].map((n) => column(n, 'text'))), csv([...audit, 'customer_id', 'amount'].map((n) => column(n, 'text')))));
  assert.deepEqual(mergeShapes(wide, csv(['id', 'day', 'store', 'total'].map((n) => column(n, 'text')))).columns.map((c) => [c.name, c.complete]), [['id', true], ['day', true], ['store', true], ['amount', false], ['total', false]]);
  assert.ok(!oneTable(a, csv([column('id', 'integer'), column('amount', 'integer')], { delimiter: ';' })));
  assert.ok(!oneTable(a, csv([column('id', 'integer'), column('amount', 'integer')], { skipLines: 4 })));
  // One month saved as UTF-8, another as windows-1252: one table read as windows-1252 (bronze reads a UTF-8 file as such).
  const latin = csv([column('id', 'integer'), column('amount', 'integer')], { encoding: 'windows-1252' });
  assert.ok(oneTable(a, latin));
  assert.equal(mergeShapes(a, latin).encoding, 'windows-1252');
  // A month of whole numbers says nothing of the decimal separator; months with decimal commas and decimal points are two tables.
  const comma = csv([column('id', 'integer'), column('amount', 'number')], { decimalSeparator: ',' });
  assert.ok(oneTable(a, comma));
  assert.equal(mergeShapes(a, comma).decimalSeparator, ',');
  assert.ok(!oneTable(comma, csv([column('id', 'integer'), column('amount', 'number')], { decimalSeparator: '.' })));
  // A MySQL month (\") joins a month without backslashes or doubled quotes, not one with them.
  const mysql = csv([column('id', 'integer'), column('amount', 'integer')], { escape: '\\', plainQuotes: false });
  assert.ok(oneTable(a, mysql));
  assert.equal(mergeShapes(a, mysql).escape, '\\');
  assert.ok(!oneTable(csv([column('id', 'integer'), column('amount', 'integer')], { plainQuotes: false }), mysql));
});

test('merged: types that read both files, a column of one file optional, a null spelling that is the other file\'s text pointed out', () => {
  const a = csv([column('id', 'integer', { unique: true }), column('amount', 'integer'), column('day', 'date', { format: '%d/%m/%Y' }), column('note', 'text', { distinct: 0 })], { nullValues: ['-'] });
  const b = csv([column('id', 'integer', { unique: true }), column('amount', 'number'), column('day', 'date', { format: '%m/%d/%Y' }), column('note', 'integer'), column('comment', 'text')], { rows: 3, textTokens: [{ value: '-', column: 'comment' }] });
  const merged = mergeShapes(a, b);
  const byName = Object.fromEntries(merged.columns.map((c) => [c.name, c]));
  assert.deepEqual(merged.columns.map((c) => c.name), ['id', 'amount', 'day', 'note', 'comment']);
  assert.deepEqual([byName['id']!.type, byName['id']!.unique], ['integer', true]);
  assert.equal(byName['amount']!.type, 'number');
  assert.deepEqual([byName['day']!.type, byName['day']!.format], ['text', undefined], 'two date formats: text');
  assert.equal(byName['note']!.type, 'integer', 'a column empty in one file takes the other\'s type');
  assert.deepEqual([byName['comment']!.complete, byName['comment']!.unique], [false, false]);
  assert.equal(merged.rows, 5);
  assert.deepEqual(merged.nullValuesInText, [{ value: '-', columns: ['comment'] }]);
});

test('merged: dates ISO in one file and day first in another are a date read without a format, as silver reads both; month first stays text; one quoting nothing and one quoted are two tables', () => {
  const iso = csv([column('id', 'integer'), column('day', 'date')]);
  const dayFirst = csv([column('id', 'integer'), column('day', 'date', { format: '%d/%m/%Y', ambiguousWith: '%m/%d/%Y' })]);
  const day = mergeShapes(iso, dayFirst).columns[1]!;
  assert.deepEqual([day.type, day.format, day.ambiguousWith], ['date', undefined, '%m/%d/%Y']);
  assert.equal(mergeShapes(iso, csv([column('id', 'integer'), column('day', 'date', { format: '%m/%d/%Y' })])).columns[1]!.type, 'text');
  assert.ok(!oneTable(iso, csv([column('id', 'integer'), column('day', 'date')], { quote: 'none' })));
});

test('merged: a unit in one file only stays (plain numbers read in such a column); two units are two currencies, text', () => {
  const a = csv([column('price', 'number', { unit: '$' }), column('fee', 'integer', { unit: '€' }), column('rate', 'integer')]);
  const b = csv([column('price', 'integer'), column('fee', 'integer', { unit: '$' }), column('rate', 'integer', { unit: '%' })]);
  const byName = Object.fromEntries(mergeShapes(a, b).columns.map((c) => [c.name, c]));
  assert.deepEqual([byName['price']!.type, byName['price']!.unit], ['number', '$']);
  assert.deepEqual([byName['fee']!.type, byName['fee']!.unit], ['text', undefined]);
  assert.deepEqual([byName['rate']!.type, byName['rate']!.unit], ['integer', '%']);
});

test('merged: Unix time in one file and integers (or the other unit) in another are integers, which read both; the same unit stays', () => {
  const seconds = csv([column('ts', 'timestamp', { format: 'unix_seconds' }), column('created_utc', 'timestamp', { format: 'unix_seconds' }), column('at', 'timestamp', { format: 'unix_seconds' })]);
  const other = csv([column('ts', 'integer'), column('created_utc', 'timestamp', { format: 'unix_milliseconds' }), column('at', 'timestamp', { format: 'unix_seconds' })]);
  assert.deepEqual(mergeShapes(seconds, other).columns.map((c) => [c.name, c.type, c.format]), [['ts', 'integer', undefined], ['created_utc', 'integer', undefined], ['at', 'timestamp', 'unix_seconds']]);
});

test('magnitudes in one file only (52.34K): the column declares them, the other file\'s plain numbers read in it; a column turned text drops them', () => {
  const plain = csv([column('day', 'date'), column('vol', 'integer')]);
  const suffixed = csv([column('day', 'date'), column('vol', 'number', { magnitudes: true })]);
  assert.deepEqual(mergeShapes(plain, suffixed).columns.map((c) => [c.name, c.type, c.magnitudes]), [['day', 'date', undefined], ['vol', 'number', true]]);
  assert.deepEqual(mergeShapes(suffixed, plain).columns.map((c) => [c.name, c.type, c.magnitudes]), [['day', 'date', undefined], ['vol', 'number', true]]);
  assert.deepEqual(mergeShapes(suffixed, csv([column('day', 'date'), column('vol', 'text')])).columns[1]!.magnitudes, undefined);
});

test("two files' counts together: the rows filled summed, a value most frequent in both summed, two others the larger, the most decimals", () => {
  const month = (top: string, rows: number, decimals: number) => csv([column('currency', 'text', { filled: 90, top: { value: 'USD', rows: 88 } }), column('month', 'text', { filled: 100, top: { value: top, rows } }), column('fare', 'number', { filled: 100, decimals })], { rows: 100 });
  const merged = mergeShapes(month('2024-01', 100, 2), month('2024-02', 100, 1)).columns;
  assert.deepEqual(merged.map((c) => [c.name, c.filled, c.top, c.decimals]), [['currency', 180, { value: 'USD', rows: 176 }, undefined], ['month', 200, { value: '2024-01', rows: 100 }, undefined], ['fare', 200, undefined, 2]]);
});
