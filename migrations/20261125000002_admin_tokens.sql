-- Bearer tokens of the administration API. The token itself is shown once, when created;
-- only its SHA-256 is kept.
CREATE TABLE admin_tokens (
    id            BIGSERIAL PRIMARY KEY,
    nom           TEXT NOT NULL CHECK (nom <> ''),
    token_hash    TEXT NOT NULL UNIQUE,
    est_actif     BOOLEAN NOT NULL DEFAULT TRUE,
    date_creation TIMESTAMPTZ NOT NULL DEFAULT now()
);

