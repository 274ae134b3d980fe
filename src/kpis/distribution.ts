import { defineKpi } from '../registry/kpi.js';

export default defineKpi({
  title: { fr: 'Distribution des montants', en: 'Amount distribution' },
  description: 'Statistics of the purchase amounts: count, mean, median, min, max and sample standard deviation.',
  sql: `
    SELECT count(*) AS nb_achats,
           round(avg(montant), 2)::DOUBLE AS montant_moyen,
           round(median(montant::DOUBLE), 2) AS montant_median,
           round(min(montant), 2)::DOUBLE AS montant_min,
           round(max(montant), 2)::DOUBLE AS montant_max,
           round(stddev_samp(montant), 2)::DOUBLE AS ecart_type
    FROM fact_achats`,
  columns: {
    nb_achats: { type: 'integer', label: { fr: "Nombre d'achats", en: 'Purchases' } },
    montant_moyen: { type: 'number', label: { fr: 'Montant moyen', en: 'Mean amount' }, unit: 'EUR' },
    montant_median: { type: 'number', label: { fr: 'Montant médian', en: 'Median amount' }, unit: 'EUR' },
    montant_min: { type: 'number', label: { fr: 'Montant minimum', en: 'Minimum amount' }, unit: 'EUR' },
    montant_max: { type: 'number', label: { fr: 'Montant maximum', en: 'Maximum amount' }, unit: 'EUR' },
    ecart_type: { type: 'number', label: { fr: 'Écart type', en: 'Standard deviation' }, unit: 'EUR' },
  },
  chart: { type: 'stat' },
});
