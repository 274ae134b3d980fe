import { defineKpi } from '../registry/kpi.js';

export default defineKpi({
  title: { fr: 'Volumes par semaine', en: 'Weekly volumes' },
  description: 'Number of purchases and revenue per ISO week (weeks start on Monday).',
  sql: `
    WITH weeks AS (SELECT CAST(date_trunc('week', date_achat) AS DATE) AS debut_semaine, montant FROM fact_achats)
    SELECT yearweek_label AS semaine, debut_semaine, nb_achats, ca_total
    FROM (
      SELECT debut_semaine,
             isoyear(debut_semaine) || '-W' || lpad(CAST(weekofyear(debut_semaine) AS VARCHAR), 2, '0') AS yearweek_label,
             count(*) AS nb_achats,
             round(sum(montant), 2)::DOUBLE AS ca_total
      FROM weeks
      GROUP BY debut_semaine
    )
    ORDER BY debut_semaine`,
  columns: {
    semaine: { type: 'string', label: { fr: 'Semaine ISO', en: 'ISO week' } },
    debut_semaine: { type: 'date', label: { fr: 'Début de semaine', en: 'Week start' } },
    nb_achats: { type: 'integer', label: { fr: "Nombre d'achats", en: 'Purchases' } },
    ca_total: { type: 'number', label: { fr: 'CA total', en: 'Revenue' }, unit: 'EUR' },
  },
  chart: { type: 'line', x: 'debut_semaine', y: ['ca_total', 'nb_achats'] },
  filters: { time: 'debut_semaine' },
});
