-- The ceiling of one sync request: what caisse asks of PostgreSQL to record a request of
-- :sales sales with :per_sale lines each (src/sales/record.rs), run by pgbench with
-- prepared statements, each client being one till (terminal :t0 + client_id).
--
-- Same transaction, same round trips, same locks in the same order, same rows written:
--   BEGIN; lock the articles FOR UPDATE in ascending id order; insert the sales
--   ON CONFLICT DO NOTHING RETURNING; insert the lines, update the stock and insert the
--   movements in one statement; COMMIT.
-- Each line draws its article at random among the :na articles from :a0, inside the lock
-- statement (no extra round trip), one unit at 250.00. The server's per-request reads
-- outside the transaction (the till lookup, the stock-alert count) are not part of it.
--
-- Variables (pgbench -D): boutique, t0, a0, na, sales, per_sale.
\set lines :sales * :per_sale
\set terminal :t0 + :client_id
BEGIN;
WITH drawn AS MATERIALIZED (
    SELECT n, :a0::int8 + floor(random() * :na::int8)::int8 AS article_id
    FROM generate_series(1, :lines::int) AS n
), locked AS (
    SELECT id, nom, code, prix_vente, quantite_stock
    FROM articles
    WHERE boutique_id = :boutique::int8 AND id = ANY (ARRAY(SELECT article_id FROM drawn)) AND est_actif
    ORDER BY id
    FOR UPDATE
)
SELECT (SELECT array_agg(article_id ORDER BY n) FROM drawn) AS lines,
       array_agg(id ORDER BY id) AS ids,
       array_agg(quantite_stock ORDER BY id) AS stocks
FROM locked \gset locked_
WITH sale AS (
    INSERT INTO ventes (boutique_id, terminal_id, numero_facture, date_vente, date_vente_terminal,
                        montant_total, mode_paiement, paye, adresse_ip_client, version_app_maui,
                        empreinte)
    SELECT :boutique::int8, :terminal::int8, 'C' || txid_current() || '-' || n, now(), NULL,
           250.00 * :per_sale::int, 'CASH', true, '127.0.0.1', NULL,
           md5(n::text) || md5(n::text)
    FROM generate_series(1, :sales::int) AS n
    ON CONFLICT (boutique_id, terminal_id, numero_facture) DO NOTHING
    RETURNING id, terminal_id, numero_facture
)
SELECT array_agg(id ORDER BY id) AS ids, array_agg(numero_facture ORDER BY id) AS numbers
FROM sale \gset sale_
WITH line AS MATERIALIZED (
    SELECT l.n, l.article_id, 1 AS quantite, 250.00 AS prix_unitaire,
           (:sale_ids::int8[])[(l.n - 1) / :per_sale::int + 1] AS vente_id,
           (:sale_numbers::text[])[(l.n - 1) / :per_sale::int + 1] AS numero_facture
    FROM unnest(:locked_lines::int8[]) WITH ORDINALITY AS l(article_id, n)
), taken AS (
    -- Several lines of one article take from its stock one after the other.
    SELECT line.*, s.stock - sum(line.quantite) OVER (PARTITION BY line.article_id ORDER BY line.n)
                   + line.quantite AS stock_avant
    FROM line JOIN unnest(:locked_ids::int8[], :locked_stocks::int4[]) AS s(article_id, stock)
         USING (article_id)
), new_lines AS (
    INSERT INTO lignes_vente (boutique_id, vente_id, article_id, quantite, prix_unitaire)
    SELECT :boutique::int8, vente_id, article_id, quantite, prix_unitaire FROM line
), stock AS (
    UPDATE articles AS a
    SET quantite_stock = a.quantite_stock - s.sold,
        modif_txid = pg_current_xact_id()::text::bigint
    FROM (SELECT article_id, sum(quantite)::int AS sold FROM line GROUP BY article_id) AS s
    WHERE a.boutique_id = :boutique::int8 AND a.id = s.article_id
), corrected AS (
    -- The sales recorded close the rejections they correct (none here, but the server
    -- looks: one index probe per sale).
    UPDATE ventes_rejetees AS r
    SET resolue = TRUE, date_resolution = now()
    FROM (SELECT DISTINCT vente_id, numero_facture FROM line) AS c
    WHERE r.boutique_id = :boutique::int8 AND NOT r.resolue
      AND r.terminal_id = :terminal::int8 AND r.numero_facture = c.numero_facture
)
INSERT INTO mouvements_stock (boutique_id, article_id, vente_id, type_mouvement, quantite,
                              stock_avant, stock_apres, reference_document, utilisateur, commentaire)
SELECT :boutique::int8, article_id, vente_id, 'VENTE', -quantite, stock_avant, stock_avant - quantite,
       numero_facture, 'Caisse ' || :terminal::int8, 'Vente #' || numero_facture || ' - Prix: 250.00 CDF'
FROM taken;
COMMIT;
