import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHOP_PROJECT } from '../../test/support/shop.js';
import { Redactor } from './redact.js';

test('a malformed line\'s raw text is shown for a dataset without personal columns only, never for one the project no longer has', () => {
  const redactor = new Redactor(SHOP_PROJECT);
  const key = (dataset: string) => `quarantine/${dataset}/ingest_date=2026-11-30/${dataset}/r1.parquet`;
  assert.equal(redactor.rawLinesShown('silver', key('achats')), true, 'purchases hold no personal column');
  assert.equal(redactor.rawLinesShown('silver', key('clients')), false, 'customers do (name, e-mail)');
  // Ingested under a name since renamed: its lines may hold anything.
  assert.equal(redactor.rawLinesShown('silver', key('customers')), false);
  assert.equal(redactor.rawLinesShown('silver', 'achats/month=2026-01/r1-data_0.parquet'), false);
});
