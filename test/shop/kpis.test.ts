import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKpi, SAMPLE_FACTS } from '../support/kpi.js';

// The shop's KPIs (examples/shop/kpis/*.yml) on given fact rows, with the expected rows written out by hand.

test('ca_par_pays: purchases, revenue and average basket per country, largest revenue first', async () => {
  // France: 100 + 20.25 + 79.75 = 200 over 3 → 66.67; Spain: 50.5 + 10 = 60.5 over 2 → 30.25
  assert.deepEqual(await runKpi('ca_par_pays', SAMPLE_FACTS), [
    { pays: 'France', nb_achats: 3, ca_total: 200, panier_moyen: 66.67 },
    { pays: 'Spain', nb_achats: 2, ca_total: 60.5, panier_moyen: 30.25 },
  ]);
});

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

test('distribution: one purchase has no standard deviation; no purchase, a count of 0 and nothing else', async () => {
  assert.deepEqual(await runKpi('distribution', SAMPLE_FACTS.slice(4)), [
    { nb_achats: 1, montant_moyen: 10, montant_median: 10, montant_min: 10, montant_max: 10, ecart_type: null },
  ]);
  assert.deepEqual(await runKpi('distribution', []), [
    { nb_achats: 0, montant_moyen: null, montant_median: null, montant_min: null, montant_max: null, ecart_type: null },
  ]);
});

test('histogramme_montants: purchases per 25 EUR band, bands without purchases omitted', async () => {
  // 10 and 20.25 → [0, 25); 50.5 → [50, 75); 79.75 → [75, 100); 100 → [100, 125)
  assert.deepEqual(await runKpi('histogramme_montants', SAMPLE_FACTS), [
    { tranche_min: 0, tranche_max: 25, nb_achats: 2, ca_total: 30.25 },
    { tranche_min: 50, tranche_max: 75, nb_achats: 1, ca_total: 50.5 },
    { tranche_min: 75, tranche_max: 100, nb_achats: 1, ca_total: 79.75 },
    { tranche_min: 100, tranche_max: 125, nb_achats: 1, ca_total: 100 },
  ]);
});

test('volumes_jour: one row per day with purchases, in date order', async () => {
  assert.deepEqual(await runKpi('volumes_jour', SAMPLE_FACTS), [
    { jour: '2026-01-30', nb_achats: 2, ca_total: 150.5 },
    { jour: '2026-02-02', nb_achats: 1, ca_total: 20.25 },
    { jour: '2026-02-03', nb_achats: 1, ca_total: 79.75 },
    { jour: '2026-03-15', nb_achats: 1, ca_total: 10 },
  ]);
});

test('volumes_mois: one row per YYYY-MM month', async () => {
  assert.deepEqual(await runKpi('volumes_mois', SAMPLE_FACTS), [
    { mois: '2026-01', nb_achats: 2, ca_total: 150.5 },
    { mois: '2026-02', nb_achats: 2, ca_total: 100 },
    { mois: '2026-03', nb_achats: 1, ca_total: 10 },
  ]);
});

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


test('volumes_annee: one row per year', async () => {
  assert.deepEqual(await runKpi('volumes_annee', [...SAMPLE_FACTS, { id_achat: 9, date_achat: '2027-01-02 10:00:00', montant: 12.5, pays: 'UK' }]), [
    { annee: '2026', nb_achats: 5, ca_total: 260.5 },
    { annee: '2027', nb_achats: 1, ca_total: 12.5 },
  ]);
});

test('resume: total revenue, purchases, average basket and countries in one row', async () => {
  // 260.5 over 5 purchases → 52.1; France and Spain
  assert.deepEqual(await runKpi('resume', SAMPLE_FACTS), [{ ca_total: 260.5, nb_achats: 5, panier_moyen: 52.1, nb_pays: 2 }]);
});
