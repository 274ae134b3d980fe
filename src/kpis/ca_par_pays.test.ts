import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKpi, SAMPLE_FACTS } from '../test-support/kpi.js';

test('ca_par_pays: purchases, revenue and average basket per country, largest revenue first', async () => {
  // France: 100 + 20.25 + 79.75 = 200 over 3 → 66.67; Spain: 50.5 + 10 = 60.5 over 2 → 30.25
  assert.deepEqual(await runKpi('ca_par_pays', SAMPLE_FACTS), [
    { pays: 'France', nb_achats: 3, ca_total: 200, panier_moyen: 66.67 },
    { pays: 'Spain', nb_achats: 2, ca_total: 60.5, panier_moyen: 30.25 },
  ]);
});
