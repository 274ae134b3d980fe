SELECT CAST(date_achat AS DATE) AS jour, count(*) AS nb_achats, sum(montant) AS ca
FROM achats
GROUP BY jour
