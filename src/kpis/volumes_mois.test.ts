import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKpi, SAMPLE_FACTS } from '../test-support/kpi.js';

test('volumes_mois: one row per YYYY-MM month', async () => {
  assert.deepEqual(await runKpi('volumes_mois', SAMPLE_FACTS), [
    { mois: '2026-01', nb_achats: 2, ca_total: 150.5 },
    { mois: '2026-02', nb_achats: 2, ca_total: 100 },
    { mois: '2026-03', nb_achats: 1, ca_total: 10 },
  ]);
});
