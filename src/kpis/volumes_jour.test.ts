import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKpi, SAMPLE_FACTS } from '../test-support/kpi.js';

test('volumes_jour: one row per day with purchases, in date order', async () => {
  assert.deepEqual(await runKpi('volumes_jour', SAMPLE_FACTS), [
    { jour: '2026-01-30', nb_achats: 2, ca_total: 150.5 },
    { jour: '2026-02-02', nb_achats: 1, ca_total: 20.25 },
    { jour: '2026-02-03', nb_achats: 1, ca_total: 79.75 },
    { jour: '2026-03-15', nb_achats: 1, ca_total: 10 },
  ]);
});
