import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKpi, SAMPLE_FACTS } from '../test-support/kpi.js';

test('histogramme_montants: purchases per 25 EUR band, bands without purchases omitted', async () => {
  // 10 and 20.25 → [0, 25); 50.5 → [50, 75); 79.75 → [75, 100); 100 → [100, 125)
  assert.deepEqual(await runKpi('histogramme_montants', SAMPLE_FACTS), [
    { tranche_min: 0, tranche_max: 25, nb_achats: 2, ca_total: 30.25 },
    { tranche_min: 50, tranche_max: 75, nb_achats: 1, ca_total: 50.5 },
    { tranche_min: 75, tranche_max: 100, nb_achats: 1, ca_total: 79.75 },
    { tranche_min: 100, tranche_max: 125, nb_achats: 1, ca_total: 100 },
  ]);
});
