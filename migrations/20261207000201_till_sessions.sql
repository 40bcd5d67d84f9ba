-- A till's session (session de caisse): opened by a manager with a float per currency,
-- closed with the cash counted per currency. Its sales are not linked to it: they are the
-- till's sales dated in its window, read when its Z-report is read, so that a sale synced
-- after closing still counts (shown as late). At most one open session per till.
CREATE TABLE sessions_caisse (
    id             BIGSERIAL PRIMARY KEY,
    boutique_id    BIGINT NOT NULL,
    terminal_id    BIGINT NOT NULL,
    date_ouverture TIMESTAMPTZ NOT NULL DEFAULT now(),
    ouverte_par    TEXT NOT NULL,
    fond_cdf       NUMERIC(14, 2) NOT NULL CHECK (fond_cdf >= 0),
    fond_usd       NUMERIC(14, 2) NOT NULL CHECK (fond_usd >= 0),
    date_fermeture TIMESTAMPTZ,
    fermee_par     TEXT,
    compte_cdf     NUMERIC(14, 2) CHECK (compte_cdf >= 0),
    compte_usd     NUMERIC(14, 2) CHECK (compte_usd >= 0),
    FOREIGN KEY (boutique_id, terminal_id) REFERENCES terminaux (boutique_id, id),
    CHECK ((date_fermeture IS NULL) = (fermee_par IS NULL)
       AND (date_fermeture IS NULL) = (compte_cdf IS NULL)
       AND (date_fermeture IS NULL) = (compte_usd IS NULL)),
    CHECK (date_fermeture IS NULL OR date_fermeture >= date_ouverture)
);

CREATE UNIQUE INDEX sessions_caisse_une_ouverte ON sessions_caisse (terminal_id)
    WHERE date_fermeture IS NULL;
CREATE INDEX sessions_caisse_par_boutique ON sessions_caisse (boutique_id, date_ouverture DESC);
