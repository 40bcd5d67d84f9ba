-- The write path of a sale, made lean: every sale updates its articles' stock, so those
-- updates must stay "heap-only" (HOT: no index entry rewritten), which PostgreSQL does only
-- when no indexed column changes and the page has room.

-- No index may mention quantite_stock or modif_txid: the stock alerts are counted once per
-- batch of sales (not per request), and catalogue deltas read the shop's rows.
DROP INDEX articles_stock_alert;
DROP INDEX articles_changes;
-- Room on each page for the new version of a row.
ALTER TABLE articles SET (fillfactor = 80);

-- The stock journal is filtered by date rarely and grows fast: a BRIN index (movements are
-- inserted in date order) costs almost nothing to maintain.
DROP INDEX mouvements_stock_by_date;
CREATE INDEX mouvements_stock_by_date ON mouvements_stock USING brin (date_mouvement);

-- A sale's movements name it (vente_id); they are written by the same statement as its
-- lines, and `caisse check` verifies that they match them. A foreign key would look the
-- sale up again for every movement.
ALTER TABLE mouvements_stock DROP CONSTRAINT mouvements_stock_boutique_id_vente_id_fkey;
