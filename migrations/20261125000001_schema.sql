-- The schema of the shops, their tills, catalogue, sales and stock journal.
--
-- Tenancy: every shop-owned table carries `boutique_id`, its primary key is
-- (boutique_id, id), and every foreign key between shop-owned tables goes through
-- boutique_id. The database itself therefore refuses a sale line that points at
-- another shop's article, and the tables can be distributed by boutique_id later
-- without changing a key. `terminaux` is the directory that maps a till's serial
-- number to its shop, so its serial is unique across all shops.

CREATE TABLE commercants (
    id            BIGSERIAL PRIMARY KEY,
    nom           TEXT NOT NULL CHECK (nom <> ''),
    email         TEXT,
    est_actif     BOOLEAN NOT NULL DEFAULT TRUE,
    date_creation TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE boutiques (
    id               BIGSERIAL PRIMARY KEY,
    commercant_id    BIGINT REFERENCES commercants (id),
    nom              TEXT NOT NULL CHECK (nom <> ''),
    code_boutique    TEXT NOT NULL UNIQUE CHECK (code_boutique <> ''),
    type_commerce    TEXT NOT NULL DEFAULT '',
    ville            TEXT NOT NULL DEFAULT '',
    adresse          TEXT NOT NULL DEFAULT '',
    devise           TEXT NOT NULL DEFAULT 'CDF' CHECK (devise <> ''),
    alerte_stock_bas INTEGER NOT NULL DEFAULT 5 CHECK (alerte_stock_bas >= 0),
    fuseau_horaire   TEXT NOT NULL DEFAULT 'Africa/Kinshasa',
    est_active       BOOLEAN NOT NULL DEFAULT TRUE,
    date_creation    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE terminaux (
    id                BIGSERIAL PRIMARY KEY,
    boutique_id       BIGINT NOT NULL REFERENCES boutiques (id),
    numero_serie      TEXT NOT NULL UNIQUE CHECK (numero_serie <> ''),
    nom_terminal      TEXT NOT NULL,
    -- SHA-256 of the terminal's secret key, hex; the key itself is shown once.
    cle_api_hash      TEXT NOT NULL,
    est_actif         BOOLEAN NOT NULL DEFAULT TRUE,
    version_app_maui  TEXT,
    derniere_activite TIMESTAMPTZ,
    date_creation     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (boutique_id, id)
);

CREATE TABLE categories (
    id            BIGSERIAL,
    boutique_id   BIGINT NOT NULL REFERENCES boutiques (id),
    nom           TEXT NOT NULL CHECK (nom <> ''),
    description   TEXT NOT NULL DEFAULT '',
    date_creation TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (boutique_id, id),
    UNIQUE (boutique_id, nom)
);

CREATE TABLE articles (
    id                BIGSERIAL,
    boutique_id       BIGINT NOT NULL REFERENCES boutiques (id),
    code              TEXT NOT NULL CHECK (code <> ''),
    nom               TEXT NOT NULL CHECK (nom <> ''),
    description       TEXT NOT NULL DEFAULT '',
    prix_vente        NUMERIC(12, 2) NOT NULL CHECK (prix_vente >= 0),
    prix_achat        NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (prix_achat >= 0),
    categorie_id      BIGINT,
    -- Stock when the article was created: quantite_stock always equals
    -- stock_initial plus the sum of the article's movements.
    stock_initial     INTEGER NOT NULL,
    quantite_stock    INTEGER NOT NULL,
    est_actif         BOOLEAN NOT NULL DEFAULT TRUE,
    date_creation     TIMESTAMPTZ NOT NULL DEFAULT now(),
    date_modification TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (boutique_id, id),
    UNIQUE (boutique_id, code),
    FOREIGN KEY (boutique_id, categorie_id)
        REFERENCES categories (boutique_id, id) ON DELETE SET NULL (categorie_id)
);

-- The catalogue is listed by name.
CREATE INDEX articles_by_name ON articles (boutique_id, nom);
-- Stock alerts (low, zero) are counted per shop after every sync: this index keeps
-- that count to the few low-stock articles instead of the whole catalogue.
CREATE INDEX articles_stock_alert ON articles (boutique_id, quantite_stock) WHERE est_actif;

CREATE TABLE ventes (
    id                  BIGSERIAL,
    boutique_id         BIGINT NOT NULL REFERENCES boutiques (id),
    terminal_id         BIGINT NOT NULL,
    numero_facture      TEXT NOT NULL CHECK (numero_facture <> '' AND length(numero_facture) <= 100),
    -- When the sale happened, as the till said (corrected when the till's clock was wrong).
    date_vente          TIMESTAMPTZ NOT NULL,
    -- The date exactly as the till sent it, when it sent one.
    date_vente_terminal TEXT,
    -- When the server received and stored the sale.
    date_reception      TIMESTAMPTZ NOT NULL DEFAULT now(),
    montant_total       NUMERIC(14, 2) NOT NULL CHECK (montant_total >= 0),
    mode_paiement       TEXT NOT NULL,
    paye                BOOLEAN NOT NULL,
    adresse_ip_client   TEXT,
    version_app_maui    TEXT,
    PRIMARY KEY (boutique_id, id),
    FOREIGN KEY (boutique_id, terminal_id) REFERENCES terminaux (boutique_id, id),
    -- One sale per till and invoice number: the duplicate check of every sync.
    UNIQUE (boutique_id, terminal_id, numero_facture)
);

CREATE INDEX ventes_by_date ON ventes (boutique_id, date_vente);

CREATE TABLE lignes_vente (
    id            BIGSERIAL,
    boutique_id   BIGINT NOT NULL,
    vente_id      BIGINT NOT NULL,
    article_id    BIGINT NOT NULL,
    quantite      INTEGER NOT NULL CHECK (quantite > 0),
    prix_unitaire NUMERIC(12, 2) NOT NULL CHECK (prix_unitaire >= 0),
    PRIMARY KEY (boutique_id, id),
    FOREIGN KEY (boutique_id, vente_id) REFERENCES ventes (boutique_id, id) ON DELETE CASCADE,
    FOREIGN KEY (boutique_id, article_id) REFERENCES articles (boutique_id, id)
);

CREATE INDEX lignes_vente_by_sale ON lignes_vente (boutique_id, vente_id);

CREATE TABLE mouvements_stock (
    id                 BIGSERIAL,
    boutique_id        BIGINT NOT NULL,
    article_id         BIGINT NOT NULL,
    type_mouvement     TEXT NOT NULL
        CHECK (type_mouvement IN ('ENTREE', 'SORTIE', 'AJUSTEMENT', 'VENTE', 'RETOUR')),
    -- Signed: negative takes stock out.
    quantite           INTEGER NOT NULL,
    stock_avant        INTEGER NOT NULL,
    stock_apres        INTEGER NOT NULL,
    reference_document TEXT,
    utilisateur        TEXT,
    commentaire        TEXT,
    vente_id           BIGINT,
    date_mouvement     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (boutique_id, id),
    FOREIGN KEY (boutique_id, article_id) REFERENCES articles (boutique_id, id),
    FOREIGN KEY (boutique_id, vente_id) REFERENCES ventes (boutique_id, id),
    CHECK (stock_apres = stock_avant + quantite)
);

-- An article's journal, in the order it happened (also how the chain is checked).
CREATE INDEX mouvements_stock_by_article ON mouvements_stock (boutique_id, article_id, id);
CREATE INDEX mouvements_stock_by_date ON mouvements_stock (boutique_id, date_mouvement);
