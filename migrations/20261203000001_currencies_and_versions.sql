-- What the 2026 tills need of the catalogue and of a sale: two currencies (CDF and USD) with
-- the exchange rate of each sale kept, variants, sendings awaiting receipt, and an article
-- version the tills can ask deltas from.

-- The exchange rate (CDF per USD): the merchant's, which a shop may override; every change
-- kept dated, so that a sale made offline before a change is priced at the rate of its day.
ALTER TABLE commercants
    ADD COLUMN taux_dollar NUMERIC(12, 2) NOT NULL DEFAULT 2800.00 CHECK (taux_dollar > 0);
ALTER TABLE boutiques
    ADD COLUMN taux_dollar NUMERIC(12, 2) CHECK (taux_dollar > 0),
    -- The rate in force now and since when (the shop's, else its merchant's, else 2800):
    -- kept with the shop so that the tills' requests read it with the shop itself.
    ADD COLUMN taux_courant NUMERIC(12, 2) NOT NULL DEFAULT 2800.00 CHECK (taux_courant > 0),
    ADD COLUMN taux_depuis TIMESTAMPTZ NOT NULL DEFAULT '2000-01-01 00:00:00+00',
    -- A manager may stop a shop's tills from selling.
    ADD COLUMN pos_autorise BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE taux_change (
    id            BIGSERIAL PRIMARY KEY,
    -- Exactly one of the two: a merchant's rate, or a shop's (NULL rate: the shop's
    -- override removed, its merchant's rate applies again).
    commercant_id BIGINT REFERENCES commercants (id),
    boutique_id   BIGINT REFERENCES boutiques (id),
    taux_dollar   NUMERIC(12, 2) CHECK (taux_dollar > 0),
    date_effet    TIMESTAMPTZ NOT NULL DEFAULT now(),
    modifie_par   TEXT,
    CHECK ((commercant_id IS NULL) <> (boutique_id IS NULL)),
    CHECK (boutique_id IS NOT NULL OR taux_dollar IS NOT NULL)
);
CREATE INDEX taux_change_boutique ON taux_change (boutique_id, date_effet) WHERE boutique_id IS NOT NULL;
CREATE INDEX taux_change_commercant ON taux_change (commercant_id, date_effet) WHERE commercant_id IS NOT NULL;

-- The rate in force in shop `b` at instant `t`.
CREATE FUNCTION taux_en_vigueur(b BIGINT, t TIMESTAMPTZ) RETURNS NUMERIC
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT h.taux_dollar FROM taux_change h
          WHERE h.boutique_id = b AND h.date_effet <= t
          ORDER BY h.date_effet DESC, h.id DESC LIMIT 1),
        (SELECT h.taux_dollar FROM taux_change h JOIN boutiques s ON s.commercant_id = h.commercant_id
          WHERE s.id = b AND h.date_effet <= t
          ORDER BY h.date_effet DESC, h.id DESC LIMIT 1),
        2800.00)
$$;

-- Articles: priced in CDF or USD, the other price kept; the 2026 catalogue's fields.
ALTER TABLE articles
    ADD COLUMN devise            TEXT NOT NULL DEFAULT 'CDF' CHECK (devise IN ('CDF', 'USD')),
    -- For a USD article, equal to prix_vente / prix_achat; for a CDF one, as the manager sets.
    ADD COLUMN prix_vente_usd    NUMERIC(12, 2) CHECK (prix_vente_usd >= 0),
    ADD COLUMN prix_achat_usd    NUMERIC(12, 2) CHECK (prix_achat_usd >= 0),
    -- Sent to the shop and not yet confirmed by it (off the catalogue until confirmed when it
    -- was created that way).
    ADD COLUMN est_valide_client BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN quantite_envoyee  INTEGER NOT NULL DEFAULT 0 CHECK (quantite_envoyee >= 0),
    ADD COLUMN date_envoi        TIMESTAMPTZ,
    ADD COLUMN date_validation   TIMESTAMPTZ,
    -- When the article was withdrawn (cleared when it comes back).
    ADD COLUMN date_suppression  TIMESTAMPTZ,
    -- Bumped by every change to the article (fields, stock, variants, validation, activity).
    ADD COLUMN last_updated      TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN version           BIGINT NOT NULL DEFAULT 1;
UPDATE articles SET date_suppression = date_modification WHERE NOT est_actif;

ALTER TABLE categories ADD COLUMN last_updated TIMESTAMPTZ NOT NULL DEFAULT now();

-- Whatever writes an article or a category (the server, a script, psql) is seen by the
-- catalogue cache and the tills' deltas: a write that does not stamp the row with its
-- transaction itself gets stamped here. The server stamps its own writes, so on its paths
-- the condition is false and no function runs.
CREATE FUNCTION catalogue_estampille() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.modif_txid := pg_current_xact_id()::text::bigint;
    NEW.last_updated := now();
    IF TG_TABLE_NAME = 'articles' THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER articles_estampille BEFORE UPDATE ON articles
    FOR EACH ROW WHEN (NEW.modif_txid = OLD.modif_txid AND NEW IS DISTINCT FROM OLD)
    EXECUTE FUNCTION catalogue_estampille();
CREATE TRIGGER categories_estampille BEFORE UPDATE ON categories
    FOR EACH ROW WHEN (NEW.modif_txid = OLD.modif_txid AND NEW IS DISTINCT FROM OLD)
    EXECUTE FUNCTION catalogue_estampille();

-- Variants (colour, size…) of an article, scanned by their barcode: no stock, price or
-- currency of their own (the parent's).
CREATE TABLE variantes_articles (
    id                BIGSERIAL,
    boutique_id       BIGINT NOT NULL REFERENCES boutiques (id),
    article_parent_id BIGINT NOT NULL,
    code_barre        TEXT NOT NULL CHECK (code_barre <> ''),
    nom_variante      TEXT NOT NULL CHECK (nom_variante <> ''),
    type_attribut     TEXT NOT NULL DEFAULT 'AUTRE' CHECK (type_attribut IN
        ('COULEUR', 'TAILLE', 'PARFUM', 'POIDS', 'VOLUME', 'MODELE', 'AUTRE')),
    est_actif         BOOLEAN NOT NULL DEFAULT TRUE,
    image_url         TEXT,
    date_creation     TIMESTAMPTZ NOT NULL DEFAULT now(),
    date_mise_a_jour  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (boutique_id, id),
    UNIQUE (boutique_id, code_barre),
    FOREIGN KEY (boutique_id, article_parent_id) REFERENCES articles (boutique_id, id)
);
CREATE INDEX variantes_articles_by_parent ON variantes_articles (boutique_id, article_parent_id);

-- Sales: the currency paid, the rate in force at the sale's date, and the USD total.
ALTER TABLE ventes
    ADD COLUMN devise                TEXT NOT NULL DEFAULT 'CDF' CHECK (devise IN ('CDF', 'USD')),
    ADD COLUMN taux_dollar           NUMERIC(12, 2) NOT NULL DEFAULT 2800.00 CHECK (taux_dollar > 0),
    ADD COLUMN montant_total_usd     NUMERIC(14, 2) CHECK (montant_total_usd >= 0),
    -- The total the till declared, when it differs from the server's sum of the lines.
    ADD COLUMN montant_total_declare NUMERIC(14, 2);

-- Lines: the unit price charged in the line's currency, its USD price, the variant scanned,
-- and the catalogue price when the cashier negotiated.
ALTER TABLE lignes_vente
    ADD COLUMN devise            TEXT NOT NULL DEFAULT 'CDF' CHECK (devise IN ('CDF', 'USD')),
    ADD COLUMN prix_unitaire_usd NUMERIC(12, 2) CHECK (prix_unitaire_usd >= 0),
    ADD COLUMN variante_id       BIGINT,
    ADD COLUMN prix_original     NUMERIC(12, 2) CHECK (prix_original >= 0),
    ADD COLUMN est_negocie       BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN motif_reduction   TEXT,
    ADD CONSTRAINT lignes_vente_variante FOREIGN KEY (boutique_id, variante_id)
        REFERENCES variantes_articles (boutique_id, id);
