import { defineKpi } from '../registry/kpi.js';

export default defineKpi({
  title: { fr: 'Croissance mensuelle', en: 'Monthly growth' },
  description: "Monthly revenue, the previous month's revenue and the growth in percent (null for the first month).",
  sql: `
    WITH months AS (
      SELECT strftime(month_start, '%Y-%m') AS mois, nb_achats, ca
      FROM (SELECT date_trunc('month', date_achat) AS month_start, count(*) AS nb_achats, sum(montant) AS ca FROM fact_achats GROUP BY month_start)
    ),
    with_previous AS (
      SELECT mois, nb_achats, ca, lag(ca) OVER (ORDER BY mois) AS ca_prev FROM months
    )
    SELECT mois,
           nb_achats,
           round(ca, 2)::DOUBLE AS ca_total,
           round(ca_prev, 2)::DOUBLE AS ca_mois_precedent,
           round(100 * (ca - ca_prev)::DOUBLE / ca_prev::DOUBLE, 2) AS croissance_pct
    FROM with_previous
    ORDER BY mois`,
  columns: {
    mois: { type: 'string', label: { fr: 'Mois', en: 'Month' } },
    nb_achats: { type: 'integer', label: { fr: "Nombre d'achats", en: 'Purchases' } },
    ca_total: { type: 'number', label: { fr: 'CA total', en: 'Revenue' }, unit: 'EUR' },
    ca_mois_precedent: { type: 'number', label: { fr: 'CA du mois précédent', en: "Previous month's revenue" }, unit: 'EUR' },
    croissance_pct: { type: 'number', label: { fr: 'Croissance (%)', en: 'Growth (%)' }, unit: '%' },
  },
  chart: { type: 'line', x: 'mois', y: ['croissance_pct'] },
  filters: { time: 'mois' },
});
