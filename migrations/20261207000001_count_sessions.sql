-- Counts that offline sales cannot spoil. A count session of a shop gathers lines (an
-- article, what was on the shelf, when it was counted, by whom); a manager applies it. An
-- article's stock then becomes what was counted plus what moved after its count time, and
-- the article remembers that time: a sale that reaches the server later but was made before
-- it was already missing from the shelf when counting, so it is recorded without taking the
-- article's stock a second time (its `VENTE` movement is followed by an `AJUSTEMENT`
-- correction under `INVENTAIRE-<session>`, linked to the sale).
CREATE TABLE comptages (
    id               BIGSERIAL PRIMARY KEY,
    boutique_id      BIGINT NOT NULL REFERENCES boutiques (id),
    statut           TEXT NOT NULL DEFAULT 'OUVERT'
        CHECK (statut IN ('OUVERT', 'APPLIQUE', 'ABANDONNE')),
    commentaire      TEXT CHECK (length(commentaire) <= 500),
    ouvert_par       TEXT NOT NULL,
    date_ouverture   TIMESTAMPTZ NOT NULL DEFAULT now(),
    cloture_par      TEXT,
    date_cloture     TIMESTAMPTZ,
    UNIQUE (boutique_id, id)
);

-- One session being counted per shop at a time (a till's one-line count is applied at once).
CREATE UNIQUE INDEX comptages_un_ouvert ON comptages (boutique_id) WHERE statut = 'OUVERT';
CREATE INDEX comptages_par_date ON comptages (boutique_id, date_ouverture DESC);

CREATE TABLE lignes_comptage (
    comptage_id       BIGINT NOT NULL,
    boutique_id       BIGINT NOT NULL,
    article_id        BIGINT NOT NULL,
    quantite_comptee  INTEGER NOT NULL CHECK (quantite_comptee >= 0),
    compte_a          TIMESTAMPTZ NOT NULL DEFAULT now(),
    compte_par        TEXT NOT NULL,
    -- Filled when the session is applied: the stock before and after, the movement written
    -- (none when a later count of the article superseded this line).
    stock_avant       INTEGER,
    stock_apres       INTEGER,
    mouvement_id      BIGINT,
    PRIMARY KEY (comptage_id, article_id),
    FOREIGN KEY (boutique_id, comptage_id) REFERENCES comptages (boutique_id, id) ON DELETE CASCADE,
    FOREIGN KEY (boutique_id, article_id) REFERENCES articles (boutique_id, id)
);

CREATE INDEX lignes_comptage_par_mouvement ON lignes_comptage (boutique_id, mouvement_id)
    WHERE mouvement_id IS NOT NULL;

-- The last applied count of an article: when it was counted, and in which session.
ALTER TABLE articles ADD COLUMN compte_a TIMESTAMPTZ, ADD COLUMN comptage_id BIGINT;

-- A late sale's correction changes nothing on the shelf (the sale's own movement took the
-- units out, the correction puts them back): the tills are not told of it.
DROP TRIGGER mouvements_notifient ON mouvements_stock;
CREATE TRIGGER mouvements_notifient AFTER INSERT ON mouvements_stock FOR EACH ROW
    WHEN (NEW.type_mouvement IN ('ENTREE', 'SORTIE')
          OR (NEW.type_mouvement = 'AJUSTEMENT' AND NEW.quantite <> 0 AND NEW.vente_id IS NULL))
    EXECUTE FUNCTION notifier_mouvement();
