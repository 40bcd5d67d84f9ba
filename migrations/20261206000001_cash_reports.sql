-- What a 2026 till writes at the end of a shift (API-D1.md §3.5): a note and one expense, in
-- a currency. Sent again by its till (the same instant, note, amount and currency) it is kept
-- once. A manager marks the expense applied once it is taken out of the till's cash.
CREATE TABLE rapports_caisse (
    id                BIGSERIAL PRIMARY KEY,
    boutique_id       BIGINT NOT NULL,
    terminal_id       BIGINT NOT NULL,
    date_rapport      TIMESTAMPTZ NOT NULL,
    detail            TEXT NOT NULL CHECK (detail <> '' AND length(detail) <= 500),
    depense           NUMERIC(14, 2) NOT NULL CHECK (depense >= 0),
    devise            TEXT NOT NULL CHECK (devise IN ('CDF', 'USD')),
    depense_appliquee BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (boutique_id, terminal_id) REFERENCES terminaux (boutique_id, id)
);

CREATE UNIQUE INDEX rapports_caisse_une_fois ON rapports_caisse
    (terminal_id, date_rapport, detail, depense, devise);
CREATE INDEX rapports_caisse_par_date ON rapports_caisse (boutique_id, date_rapport DESC);
