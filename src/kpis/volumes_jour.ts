import { defineKpi } from '../registry/kpi.js';

export default defineKpi({
  title: { fr: 'Volumes par jour', en: 'Daily volumes' },
  description: 'Number of purchases and revenue per day.',
  sql: `
    SELECT CAST(date_achat AS DATE) AS jour,
           count(*) AS nb_achats,
           round(sum(montant), 2)::DOUBLE AS ca_total
    FROM fact_achats
    GROUP BY jour
    ORDER BY jour`,
  columns: {
    jour: { type: 'date', label: { fr: 'Jour', en: 'Day' } },
    nb_achats: { type: 'integer', label: { fr: "Nombre d'achats", en: 'Purchases' } },
    ca_total: { type: 'number', label: { fr: 'CA total', en: 'Revenue' }, unit: 'EUR' },
  },
  chart: { type: 'line', x: 'jour', y: ['ca_total', 'nb_achats'] },
  filters: { time: 'jour' },
});
