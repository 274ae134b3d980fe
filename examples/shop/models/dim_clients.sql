SELECT id_client, nom, email, date_inscription, pays,
       year(date_inscription)::INTEGER AS annee_inscription
FROM clients
ORDER BY id_client
