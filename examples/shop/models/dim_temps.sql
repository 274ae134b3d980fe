WITH days AS (SELECT DISTINCT jour AS date FROM ventes_jour)
SELECT date,
       year(date)::INTEGER AS annee,
       month(date)::INTEGER AS mois,
       day(date)::INTEGER AS jour,
       weekofyear(date)::INTEGER AS semaine,
       isodow(date)::INTEGER AS jour_semaine
FROM days
ORDER BY date
