import { defineGoldTable } from '../model.js';

export default defineGoldTable({
  description: "Purchases with the buying customer's country.",
  grain: 'one row per id_achat',
  partitionedBy: 'achats',
  sql: `
    SELECT a.id_achat, a.id_client, a.date_achat, a.montant, a.produit, c.pays
    FROM achats a
    LEFT JOIN clients c USING (id_client)`,
});
