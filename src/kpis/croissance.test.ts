import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKpi, SAMPLE_FACTS } from '../test-support/kpi.js';

test('croissance: growth against the previous month, null for the first month', async () => {
  // Feb vs Jan: (100 - 150.5) / 150.5 = -33.554...% → -33.55; Mar vs Feb: (10 - 100) / 100 = -90%
  assert.deepEqual(await runKpi('croissance', SAMPLE_FACTS), [
    { mois: '2026-01', nb_achats: 2, ca_total: 150.5, ca_mois_precedent: null, croissance_pct: null },
    { mois: '2026-02', nb_achats: 2, ca_total: 100, ca_mois_precedent: 150.5, croissance_pct: -33.55 },
    { mois: '2026-03', nb_achats: 1, ca_total: 10, ca_mois_precedent: 100, croissance_pct: -90 },
  ]);
});

test('croissance: positive growth is rounded to 2 decimals', async () => {
  const rows = await runKpi('croissance', [
    { id_achat: 1, date_achat: '2026-04-01 00:00:00', montant: 30, pays: 'UK' },
    { id_achat: 2, date_achat: '2026-05-01 00:00:00', montant: 40, pays: 'UK' },
  ]);
  // (40 - 30) / 30 = 33.333...%
  assert.equal(rows[1]!['croissance_pct'], 33.33);
});
