import { defineKpi } from '../registry/kpi.js';

export default defineKpi({
  title: { fr: 'Histogramme des montants', en: 'Amount histogram' },
  description: 'Number of purchases per 25 EUR band of amount ([0, 25), [25, 50), ...).',
  sql: `
    WITH bands AS (SELECT CAST(floor(montant / 25) * 25 AS DOUBLE) AS tranche_min, montant FROM fact_achats)
    SELECT tranche_min,
           tranche_min + 25 AS tranche_max,
           count(*) AS nb_achats,
           round(sum(montant), 2)::DOUBLE AS ca_total
    FROM bands
    GROUP BY tranche_min
    ORDER BY tranche_min`,
  columns: {
    tranche_min: { type: 'number', label: { fr: 'De (€)', en: 'From (EUR)' }, unit: 'EUR' },
    tranche_max: { type: 'number', label: { fr: 'À (€)', en: 'To (EUR)' }, unit: 'EUR' },
    nb_achats: { type: 'integer', label: { fr: "Nombre d'achats", en: 'Purchases' } },
    ca_total: { type: 'number', label: { fr: 'CA total', en: 'Revenue' }, unit: 'EUR' },
  },
  chart: { type: 'bar', x: 'tranche_min', y: ['nb_achats'] },
});
