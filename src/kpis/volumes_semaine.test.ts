import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKpi, SAMPLE_FACTS } from '../test-support/kpi.js';

test('volumes_semaine: ISO weeks starting on Monday', async () => {
  // 2026-01-30 is a Friday (week 5, from Monday 01-26); 02-02 and 02-03 are Monday and Tuesday of week 6;
  // 2026-03-15 is a Sunday, so it belongs to week 11 that started on Monday 03-09.
  assert.deepEqual(await runKpi('volumes_semaine', SAMPLE_FACTS), [
    { semaine: '2026-W05', debut_semaine: '2026-01-26', nb_achats: 2, ca_total: 150.5 },
    { semaine: '2026-W06', debut_semaine: '2026-02-02', nb_achats: 2, ca_total: 100 },
    { semaine: '2026-W11', debut_semaine: '2026-03-09', nb_achats: 1, ca_total: 10 },
  ]);
});

test('volumes_semaine: the first days of January can belong to the previous ISO year', async () => {
  // 2027-01-01 is a Friday: ISO week 53 of 2026, starting Monday 2026-12-28.
  assert.deepEqual(await runKpi('volumes_semaine', [{ id_achat: 1, date_achat: '2027-01-01 08:00:00', montant: 5, pays: 'UK' }]), [
    { semaine: '2026-W53', debut_semaine: '2026-12-28', nb_achats: 1, ca_total: 5 },
  ]);
});
