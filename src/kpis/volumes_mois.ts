import { defineKpi } from '../registry/kpi.js';

export default defineKpi({
  title: { fr: 'Volumes par mois', en: 'Monthly volumes' },
  description: 'Number of purchases and revenue per calendar month (YYYY-MM).',
  sql: `
    WITH months AS (
      SELECT date_trunc('month', date_achat) AS month_start, count(*) AS nb_achats, sum(montant) AS ca
      FROM fact_achats
      GROUP BY month_start
    )
    SELECT strftime(month_start, '%Y-%m') AS mois, nb_achats, round(ca, 2)::DOUBLE AS ca_total
    FROM months
    ORDER BY mois`,
  columns: {
    mois: { type: 'string', label: { fr: 'Mois', en: 'Month' } },
    nb_achats: { type: 'integer', label: { fr: "Nombre d'achats", en: 'Purchases' } },
    ca_total: { type: 'number', label: { fr: 'CA total', en: 'Revenue' }, unit: 'EUR' },
  },
  chart: { type: 'bar', x: 'mois', y: ['ca_total'] },
  filters: { time: 'mois' },
});
