import { defineGoldTable } from '../model.js';

export default defineGoldTable({
  description: 'Customers with their sign-up year.',
  grain: 'one row per id_client',
  sql: `
    SELECT id_client, nom, email, date_inscription, pays,
           year(date_inscription)::INTEGER AS annee_inscription
    FROM clients
    ORDER BY id_client`,
});
