-- The ceiling of `GET articles/`: the one SELECT that lists a boutique's catalogue
-- (active articles with their category, by name), run by pgbench with prepared statements.
-- Keep it the same as the endpoint's query; the till lookup every request also makes is
-- not part of it.
--
-- Variables (pgbench -D): boutique.
SELECT a.id, a.code, a.nom, a.description, a.prix_vente, a.prix_achat, a.categorie_id,
       c.nom AS categorie_nom, a.quantite_stock, a.est_actif
FROM articles AS a
LEFT JOIN categories AS c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
WHERE a.boutique_id = :boutique::int8 AND a.est_actif
ORDER BY a.nom, a.id;
