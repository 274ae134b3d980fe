SELECT a.id_achat, a.id_client, a.date_achat, a.montant, a.produit, c.pays
FROM achats a
LEFT JOIN clients c USING (id_client)
