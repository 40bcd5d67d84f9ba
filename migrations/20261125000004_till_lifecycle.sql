-- What a till on a slow, expensive link needs: catalogue deltas, cancelled sales, returns.

-- The transaction that last changed a row (64-bit, never wraps). A catalogue delta returns
-- the rows changed by transactions at or after the token, and its next token is taken from
-- the reading snapshot: a change committed while a delta was being read is in the next one.
ALTER TABLE articles ADD COLUMN modif_txid BIGINT NOT NULL DEFAULT pg_current_xact_id()::text::bigint;
ALTER TABLE categories ADD COLUMN modif_txid BIGINT NOT NULL DEFAULT pg_current_xact_id()::text::bigint;
CREATE INDEX articles_changes ON articles (boutique_id, modif_txid);
CREATE INDEX categories_changes ON categories (boutique_id, modif_txid);

-- A deleted category, so that the tills' deltas can report it.
CREATE TABLE categories_supprimees (
    boutique_id   BIGINT NOT NULL REFERENCES boutiques (id),
    categorie_id  BIGINT NOT NULL,
    modif_txid    BIGINT NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    PRIMARY KEY (boutique_id, categorie_id)
);
CREATE INDEX categories_supprimees_changes ON categories_supprimees (boutique_id, modif_txid);

-- A cancelled sale stays (its movements reference it); it no longer counts as revenue.
ALTER TABLE ventes
    ADD COLUMN annulee          BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN date_annulation  TIMESTAMPTZ,
    ADD COLUMN annulee_par      TEXT,
    ADD COLUMN motif_annulation TEXT,
    ADD CONSTRAINT ventes_annulation_datee CHECK (annulee = (date_annulation IS NOT NULL));

-- Units of a line given back (returned, or restored by a cancellation).
ALTER TABLE lignes_vente
    ADD COLUMN quantite_retournee INTEGER NOT NULL DEFAULT 0,
    ADD CONSTRAINT lignes_vente_retour_borne CHECK (quantite_retournee BETWEEN 0 AND quantite);

-- A RETOUR movement names the sale line it gives back.
ALTER TABLE mouvements_stock
    ADD COLUMN ligne_vente_id BIGINT,
    ADD CONSTRAINT mouvements_stock_ligne FOREIGN KEY (boutique_id, ligne_vente_id)
        REFERENCES lignes_vente (boutique_id, id);
