SELECT c.pays, count(*) AS nb_achats, sum(a.montant) AS ca
FROM achats a
LEFT JOIN clients c USING (id_client)
GROUP BY c.pays
