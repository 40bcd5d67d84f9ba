-- What the offline tills need beyond recording a sale: refused sales kept for review,
-- idempotent retries, recognising a reused invoice number, and an opt-in stock policy
-- that accepts sales the shop already made even when the stock says it could not.

-- A fingerprint of what a sale contains (its lines as the till sent them), to tell a
-- true repeat of an invoice number from a different sale under the same number.
ALTER TABLE ventes ADD COLUMN empreinte TEXT;

-- STRICT refuses a sale that asks more than the stock; AUTORISER_NEGATIF records it,
-- lets the stock go below zero and raises a stock alert.
ALTER TABLE boutiques ADD COLUMN politique_stock TEXT NOT NULL DEFAULT 'STRICT'
    CHECK (politique_stock IN ('STRICT', 'AUTORISER_NEGATIF'));

-- Every sale the server refused, with exactly what the till sent, for a manager to review.
-- The same refused payload sent again by the same till counts as another attempt of the
-- same rejection while it is unresolved.
CREATE TABLE ventes_rejetees (
    id                      BIGSERIAL,
    boutique_id             BIGINT NOT NULL REFERENCES boutiques (id),
    terminal_id             BIGINT NOT NULL,
    numero_facture          TEXT,
    code                    TEXT NOT NULL,
    message                 TEXT NOT NULL,
    -- The sale exactly as received (the JSON text of its element of the batch).
    payload                 TEXT NOT NULL,
    empreinte               TEXT NOT NULL,
    article_id              BIGINT,
    details                 JSONB,
    tentatives              INTEGER NOT NULL DEFAULT 1 CHECK (tentatives >= 1),
    date_rejet              TIMESTAMPTZ NOT NULL DEFAULT now(),
    date_derniere_tentative TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolue                 BOOLEAN NOT NULL DEFAULT FALSE,
    date_resolution         TIMESTAMPTZ,
    resolu_par              TEXT,
    commentaire_resolution  TEXT,
    -- The sale that was finally recorded under this invoice number, once corrected.
    vente_id                BIGINT,
    PRIMARY KEY (boutique_id, id),
    FOREIGN KEY (boutique_id, terminal_id) REFERENCES terminaux (boutique_id, id),
    FOREIGN KEY (boutique_id, vente_id) REFERENCES ventes (boutique_id, id),
    CHECK (resolue = (date_resolution IS NOT NULL))
);

CREATE UNIQUE INDEX ventes_rejetees_open_attempts
    ON ventes_rejetees (boutique_id, terminal_id, empreinte) WHERE NOT resolue;
CREATE INDEX ventes_rejetees_open_by_invoice
    ON ventes_rejetees (boutique_id, terminal_id, numero_facture) WHERE NOT resolue;
CREATE INDEX ventes_rejetees_by_date ON ventes_rejetees (boutique_id, date_rejet);

-- A sale recorded although the stock did not cover it (AUTORISER_NEGATIF).
CREATE TABLE alertes_stock (
    id               BIGSERIAL,
    boutique_id      BIGINT NOT NULL REFERENCES boutiques (id),
    article_id       BIGINT NOT NULL,
    vente_id         BIGINT NOT NULL,
    -- Units sold beyond what the stock held.
    manque           INTEGER NOT NULL CHECK (manque > 0),
    stock_avant      INTEGER NOT NULL,
    stock_apres      INTEGER NOT NULL,
    date_alerte      TIMESTAMPTZ NOT NULL DEFAULT now(),
    fermee           BOOLEAN NOT NULL DEFAULT FALSE,
    date_fermeture   TIMESTAMPTZ,
    fermee_par       TEXT,
    commentaire      TEXT,
    PRIMARY KEY (boutique_id, id),
    FOREIGN KEY (boutique_id, article_id) REFERENCES articles (boutique_id, id),
    FOREIGN KEY (boutique_id, vente_id) REFERENCES ventes (boutique_id, id),
    CHECK (fermee = (date_fermeture IS NOT NULL))
);

CREATE INDEX alertes_stock_open ON alertes_stock (boutique_id, date_alerte) WHERE NOT fermee;

-- Idempotency-Key: the first request with a key claims it (EN_COURS) before any work, and
-- stores its response when done (TERMINE); a repeat replays that response.
CREATE TABLE idempotency_keys (
    terminal_id    BIGINT NOT NULL REFERENCES terminaux (id),
    cle            TEXT NOT NULL,
    -- SHA-256 of the request (method, path and body): a key reused for another request is refused.
    empreinte      TEXT NOT NULL,
    etat           TEXT NOT NULL CHECK (etat IN ('EN_COURS', 'TERMINE')),
    statut         INTEGER,
    reponse        BYTEA,
    date_creation  TIMESTAMPTZ NOT NULL DEFAULT now(),
    date_maj       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (terminal_id, cle),
    CHECK ((etat = 'TERMINE') = (statut IS NOT NULL AND reponse IS NOT NULL))
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (date_creation);
