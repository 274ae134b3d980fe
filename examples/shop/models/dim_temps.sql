WITH days AS (SELECT DISTINCT CAST(date_achat AS DATE) AS date FROM achats)
SELECT date,
       year(date)::INTEGER AS annee,
       month(date)::INTEGER AS mois,
       day(date)::INTEGER AS jour,
       weekofyear(date)::INTEGER AS semaine,
       isodow(date)::INTEGER AS jour_semaine
FROM days
ORDER BY date
