import { defineKpi } from '../registry/kpi.js';

export default defineKpi({
  title: { fr: 'Volumes par mois', en: 'Monthly volumes' },
  description: 'Number of purchases and revenue per calendar month (YYYY-MM).',
  sql: `
    SELECT strftime(date_achat, '%Y-%m') AS mois,
           count(*) AS nb_achats,
           round(sum(montant), 2)::DOUBLE AS ca_total
    FROM fact_achats
    GROUP BY mois
    ORDER BY mois`,
  columns: {
    mois: { type: 'string', label: { fr: 'Mois', en: 'Month' } },
    nb_achats: { type: 'integer', label: { fr: "Nombre d'achats", en: 'Purchases' } },
    ca_total: { type: 'number', label: { fr: 'CA total', en: 'Revenue' }, unit: 'EUR' },
  },
  chart: { type: 'bar', x: 'mois', y: ['ca_total'] },
  filters: { time: 'mois' },
});
