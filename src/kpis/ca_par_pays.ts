import { defineKpi } from '../registry/kpi.js';

export default defineKpi({
  title: { fr: 'CA par pays', en: 'Revenue by country' },
  description: 'Number of purchases, revenue and average basket per customer country, largest revenue first.',
  sql: `
    SELECT pays,
           count(*) AS nb_achats,
           round(sum(montant), 2)::DOUBLE AS ca_total,
           round(sum(montant) / count(*), 2)::DOUBLE AS panier_moyen
    FROM fact_achats
    GROUP BY pays
    ORDER BY ca_total DESC, pays`,
  columns: {
    pays: { type: 'string', label: { fr: 'Pays', en: 'Country' } },
    nb_achats: { type: 'integer', label: { fr: "Nombre d'achats", en: 'Purchases' } },
    ca_total: { type: 'number', label: { fr: 'CA total', en: 'Revenue' }, unit: 'EUR' },
    panier_moyen: { type: 'number', label: { fr: 'Panier moyen', en: 'Average basket' }, unit: 'EUR' },
  },
  chart: { type: 'bar', x: 'pays', y: ['ca_total'] },
  filters: { pays: 'pays' },
});
