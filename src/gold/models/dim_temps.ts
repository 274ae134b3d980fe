import { defineGoldTable } from '../model.js';

export default defineGoldTable({
  description: 'Calendar of the purchase days: year, month, day, ISO week, ISO weekday (1 = Monday).',
  grain: 'one row per date with at least one purchase',
  sql: `
    WITH days AS (SELECT DISTINCT CAST(date_achat AS DATE) AS date FROM achats)
    SELECT date,
           year(date)::INTEGER AS annee,
           month(date)::INTEGER AS mois,
           day(date)::INTEGER AS jour,
           weekofyear(date)::INTEGER AS semaine,
           isodow(date)::INTEGER AS jour_semaine
    FROM days
    ORDER BY date`,
});
