-- What a 2026 till records of a price it negotiated or of goods a customer brought back
-- (API-D1.md §3.6): records only, no stock moves with them. A record sent again by its till
-- (the same article, instant, amount, quantity, currency and sale) is kept once.
CREATE TABLE releves_articles (
    id              BIGSERIAL PRIMARY KEY,
    boutique_id     BIGINT NOT NULL,
    terminal_id     BIGINT NOT NULL,
    nature          TEXT NOT NULL CHECK (nature IN ('NEGOCIATION', 'RETOUR')),
    code_article    TEXT NOT NULL CHECK (code_article <> '' AND length(code_article) <= 100),
    -- The shop's active article of that code when it was recorded, if any.
    article_id      BIGINT,
    quantite        INTEGER NOT NULL CHECK (quantite >= 1),
    montant         NUMERIC(14, 2) NOT NULL CHECK (montant >= 0),
    devise          TEXT NOT NULL CHECK (devise IN ('CDF', 'USD')),
    date_operation  TIMESTAMPTZ NOT NULL,
    motif           TEXT NOT NULL DEFAULT '' CHECK (length(motif) <= 500),
    reference_vente TEXT NOT NULL DEFAULT '' CHECK (length(reference_vente) <= 100),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (boutique_id, terminal_id) REFERENCES terminaux (boutique_id, id),
    FOREIGN KEY (boutique_id, article_id) REFERENCES articles (boutique_id, id)
);

CREATE UNIQUE INDEX releves_articles_une_fois ON releves_articles
    (terminal_id, nature, code_article, date_operation, montant, quantite, devise, reference_vente);
CREATE INDEX releves_articles_par_date ON releves_articles (boutique_id, nature, date_operation DESC);
