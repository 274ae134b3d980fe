SELECT montant, count(*) AS nb_achats
FROM achats
GROUP BY montant
