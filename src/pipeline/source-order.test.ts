import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceOrder } from './source-order.js';

test("files arriving together: name order, a browser's copy ` (n)` or `(n)` right after the name it copies and by its number", () => {
  const names = ['goodreads_library_export (1).csv', 'goodreads_library_export.csv', 'goodreads_library_export (10).csv', 'goodreads_library_export (2).csv', 'goodreads_library_export (9).csv', 'a.csv', 'goodreads_library_export_2024.csv'];
  assert.deepEqual([...names].sort(sourceOrder), ['a.csv', 'goodreads_library_export.csv', 'goodreads_library_export (1).csv', 'goodreads_library_export (2).csv', 'goodreads_library_export (9).csv', 'goodreads_library_export (10).csv', 'goodreads_library_export_2024.csv']);
  // Without the space too, and whatever the extension.
  assert.deepEqual(['export(2).tsv', 'export(1).tsv', 'export.tsv'].sort(sourceOrder), ['export.tsv', 'export(1).tsv', 'export(2).tsv']);
  // Names without a copy mark keep their order: a name's own number (`-2`), a year in parentheses, dates.
  for (const plain of [['orders-1.csv', 'orders-10.csv', 'orders-2.csv', 'orders.csv'], ['gdp (2023).csv', 'gdp.csv'], ['all_month_2024-01-31.csv', 'all_month_2024-02-07.csv']]) {
    assert.deepEqual([...plain].reverse().sort(sourceOrder), [...plain].sort());
  }
});
