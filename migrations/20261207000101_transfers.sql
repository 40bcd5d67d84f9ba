-- Transfers of goods between two shops of one merchant (a depot is a shop flagged
-- `est_depot`, usually without tills). Sent: the units leave the sender at once (a `SORTIE`
-- referenced `TRANSFERT-<id>` per line) and await the receiver's confirmation in its
-- article's `quantite_envoyee`, as sendings do. Each line is then received (the units
-- actually received enter by an `ENTREE`, the rest is recorded missing) or refused (the
-- units go back to the sender by an `ENTREE`).
--
-- A transfer belongs to two shops; its lines point at the sender's and the receiver's
-- article through those shops, so the keys refuse a line naming another shop's article.

ALTER TABLE boutiques ADD COLUMN est_depot BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE transferts (
    id                      BIGSERIAL PRIMARY KEY,
    -- The merchant both shops belonged to when it was sent (checked below).
    commercant_id           BIGINT NOT NULL REFERENCES commercants (id),
    boutique_source_id      BIGINT NOT NULL REFERENCES boutiques (id),
    boutique_destination_id BIGINT NOT NULL REFERENCES boutiques (id),
    -- EN_TRANSIT while a line awaits; then RECU (all received in full), REFUSE (all
    -- refused), or RECU_AVEC_ECART (units missing, or some lines refused).
    statut                  TEXT NOT NULL DEFAULT 'EN_TRANSIT'
        CHECK (statut IN ('EN_TRANSIT', 'RECU', 'RECU_AVEC_ECART', 'REFUSE')),
    commentaire             TEXT NOT NULL DEFAULT '' CHECK (length(commentaire) <= 500),
    envoye_par              TEXT NOT NULL,
    date_envoi              TIMESTAMPTZ NOT NULL DEFAULT now(),
    date_cloture            TIMESTAMPTZ,
    CHECK (boutique_source_id <> boutique_destination_id),
    CHECK ((statut = 'EN_TRANSIT') = (date_cloture IS NULL)),
    UNIQUE (id, boutique_source_id, boutique_destination_id)
);

CREATE INDEX transferts_sortants ON transferts (boutique_source_id, id);
CREATE INDEX transferts_entrants ON transferts (boutique_destination_id, id);

-- Never across merchants, whatever code inserts one: both shops must belong to the
-- transfer's merchant when it is sent (a shop given to another merchant later keeps its
-- history).
CREATE FUNCTION transferts_meme_commercant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM boutiques s JOIN boutiques d ON d.commercant_id = s.commercant_id
                   WHERE s.id = NEW.boutique_source_id AND d.id = NEW.boutique_destination_id
                     AND s.commercant_id = NEW.commercant_id) THEN
        RAISE EXCEPTION 'transfer between shops % and % of different merchants',
            NEW.boutique_source_id, NEW.boutique_destination_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'transferts_meme_commercant';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER transferts_meme_commercant BEFORE INSERT OR UPDATE ON transferts
    FOR EACH ROW EXECUTE FUNCTION transferts_meme_commercant();

CREATE TABLE lignes_transfert (
    id                      BIGSERIAL PRIMARY KEY,
    transfert_id            BIGINT NOT NULL,
    boutique_source_id      BIGINT NOT NULL,
    boutique_destination_id BIGINT NOT NULL,
    article_source_id       BIGINT NOT NULL,
    article_destination_id  BIGINT NOT NULL,
    quantite_envoyee        INTEGER NOT NULL CHECK (quantite_envoyee > 0),
    -- Set when received: what entered the receiver's stock; the rest is missing.
    quantite_recue          INTEGER CHECK (quantite_recue BETWEEN 0 AND quantite_envoyee),
    -- The count a till declared when it confirmed this line alone (only noted).
    quantite_declaree       INTEGER CHECK (quantite_declaree >= 0),
    statut                  TEXT NOT NULL DEFAULT 'EN_TRANSIT'
        CHECK (statut IN ('EN_TRANSIT', 'RECUE', 'REFUSEE')),
    -- Who received or refused it (a till's name, `admin:<token>`, a user's email).
    traite_par              TEXT,
    date_traitement         TIMESTAMPTZ,
    FOREIGN KEY (transfert_id, boutique_source_id, boutique_destination_id)
        REFERENCES transferts (id, boutique_source_id, boutique_destination_id),
    FOREIGN KEY (boutique_source_id, article_source_id) REFERENCES articles (boutique_id, id),
    FOREIGN KEY (boutique_destination_id, article_destination_id)
        REFERENCES articles (boutique_id, id),
    UNIQUE (transfert_id, article_source_id),
    CHECK ((statut = 'RECUE') = (quantite_recue IS NOT NULL)),
    CHECK ((statut = 'EN_TRANSIT') = (date_traitement IS NULL))
);

CREATE INDEX lignes_transfert_by_transfer ON lignes_transfert (transfert_id, id);
-- What awaits an article's confirmation (every till's `articles/valider/`).
CREATE INDEX lignes_transfert_en_transit ON lignes_transfert (article_destination_id)
    WHERE statut = 'EN_TRANSIT';
