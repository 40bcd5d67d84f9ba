-- The back-office: the people who log in to the browser pages, their sessions, and the
-- failed logins that throttle password guessing.

-- A merchant is named on the command line (`--commercant <name>`): the name must say which.
ALTER TABLE commercants ADD CONSTRAINT commercants_nom_key UNIQUE (nom);

-- A user belongs to a merchant and sees only its boutiques, or is a superuser and sees all.
CREATE TABLE utilisateurs (
    id                   BIGSERIAL PRIMARY KEY,
    -- Stored lower-case: the address is the login, whatever case it is typed in.
    email                TEXT NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
    nom                  TEXT NOT NULL DEFAULT '',
    -- Argon2id, PHC string format.
    mot_de_passe_hash    TEXT NOT NULL,
    commercant_id        BIGINT REFERENCES commercants (id),
    est_superutilisateur BOOLEAN NOT NULL DEFAULT FALSE,
    est_actif            BOOLEAN NOT NULL DEFAULT TRUE,
    date_creation        TIMESTAMPTZ NOT NULL DEFAULT now(),
    derniere_connexion   TIMESTAMPTZ,
    CHECK (est_superutilisateur OR commercant_id IS NOT NULL)
);

-- A logged-in browser. The cookie holds a random token; only its SHA-256 is kept here, so
-- a copy of the database opens no session. Each session has its own token for the forms
-- (CSRF), which a page from another site cannot read.
CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    utilisateur_id  BIGINT NOT NULL REFERENCES utilisateurs (id) ON DELETE CASCADE,
    jeton_csrf      TEXT NOT NULL,
    date_creation   TIMESTAMPTZ NOT NULL DEFAULT now(),
    date_expiration TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (date_expiration);
CREATE INDEX sessions_by_user ON sessions (utilisateur_id);

-- Failed logins of the last minutes, counted per e-mail and per client address.
CREATE TABLE echecs_connexion (
    id         BIGSERIAL PRIMARY KEY,
    email      TEXT NOT NULL,
    adresse_ip TEXT NOT NULL,
    date_echec TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX echecs_connexion_by_email ON echecs_connexion (email, date_echec);
CREATE INDEX echecs_connexion_by_ip ON echecs_connexion (adresse_ip, date_echec);
