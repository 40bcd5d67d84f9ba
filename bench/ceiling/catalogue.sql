-- The ceiling of `GET articles/`: the one SELECT that lists a boutique's catalogue
-- (active articles with their category, by name, and the token of the next delta:
-- src/http/catalogue.rs), run by pgbench with prepared statements.
-- Keep it the same as the endpoint's query; the till lookup every request also makes is
-- not part of it.
--
-- Variables (pgbench -D): boutique.
WITH token AS (
    SELECT LEAST(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                 COALESCE((SELECT max(modif_txid) FROM articles WHERE boutique_id = :boutique::int8), 0) + 1)
           AS token
)
SELECT token.token, a.id, a.code, a.nom, a.description, a.prix_vente, a.prix_achat,
       a.categorie_id, c.nom AS categorie_nom, a.quantite_stock, a.est_actif
FROM token
LEFT JOIN articles a
  ON a.boutique_id = :boutique::int8
 AND (CASE WHEN NULL::int8 IS NULL THEN a.est_actif ELSE a.modif_txid >= NULL::int8 END)
LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
ORDER BY a.nom, a.id;
