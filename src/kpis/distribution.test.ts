import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKpi, SAMPLE_FACTS } from '../test-support/kpi.js';

test('distribution: one row of statistics, sample standard deviation, rounded to 2', async () => {
  // Amounts 100, 50.5, 20.25, 79.75, 10: sum 260.5, mean 52.1, sorted 10, 20.25, 50.5, 79.75, 100 → median 50.5.
  // Squared deviations: 2294.41 + 2.56 + 1014.4225 + 764.5225 + 1772.41 = 5848.325; / 4 = 1462.08125; sqrt = 38.2372...
  assert.deepEqual(await runKpi('distribution', SAMPLE_FACTS), [
    { nb_achats: 5, montant_moyen: 52.1, montant_median: 50.5, montant_min: 10, montant_max: 100, ecart_type: 38.24 },
  ]);
});

test('distribution: the median of an even count is the mean of the two middle amounts', async () => {
  const rows = await runKpi('distribution', SAMPLE_FACTS.slice(0, 4)); // 20.25, 50.5, 79.75, 100
  // (50.5 + 79.75) / 2 = 65.125 → 65.13: interpolated in full precision, then rounded (not truncated to cents)
  assert.equal(rows[0]!['montant_median'], 65.13);
});
