import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bronzeKey, fileQuarantineKey, isSourceFileName } from './keys.js';

test('source files: delimited text (.csv, .tsv, .txt), not hidden; their versions and quarantine keep the name', () => {
  assert.deepEqual(['a.csv', 'B.CSV', 'rates.tsv', '.hidden.csv', 'stops.txt', 'data.parquet', 'x/y.csv', 'a.csv.gz'].map(isSourceFileName), [true, true, true, false, true, false, false, false]);
  assert.equal(bronzeKey('stops', '2026-11-30', 'stops.txt', 2), 'stops/ingest_date=2026-11-30/stops.v2.txt');
  assert.equal(bronzeKey('rates', '2026-11-30', 'rates.tsv', 1), 'rates/ingest_date=2026-11-30/rates.tsv');
  assert.equal(bronzeKey('rates', '2026-11-30', 'rates.tsv', 2), 'rates/ingest_date=2026-11-30/rates.v2.tsv');
  assert.equal(bronzeKey('achats', '2026-11-30', 'achats.csv', 3), 'achats/ingest_date=2026-11-30/achats.v3.csv');
  assert.equal(fileQuarantineKey('rates/ingest_date=2026-11-30/rates.v2.tsv', 'r1'), 'quarantine/rates/ingest_date=2026-11-30/rates.v2/r1.parquet');
});
