-- The 2026 tills' stock notifications (API-D1.md §3.9): made by the database with the change
-- itself, whoever makes it (administration API, back-office, a till's count, psql), one per
-- active till of the shop, so that each till reads and marks its own.
CREATE TABLE notifications_stock (
    id                      BIGSERIAL PRIMARY KEY,
    boutique_id             BIGINT NOT NULL,
    terminal_id             BIGINT NOT NULL,
    type_notification       TEXT NOT NULL
        CHECK (type_notification IN ('STOCK_AJOUT', 'STOCK_RETRAIT', 'STOCK_AJUSTEMENT', 'AJUSTEMENT_PRIX')),
    article_id              BIGINT NOT NULL,
    -- The movement that made it (stock notifications), in the shop's journal.
    mouvement_id            BIGINT,
    -- Signed, as the movement's; 0 for a price.
    quantite_mouvement      INTEGER NOT NULL DEFAULT 0,
    stock_avant             INTEGER NOT NULL,
    stock_actuel            INTEGER NOT NULL,
    -- What the article was at that moment: kept as it was, whatever it becomes.
    donnees_supplementaires JSONB NOT NULL,
    lue                     BOOLEAN NOT NULL DEFAULT FALSE,
    date_lecture            TIMESTAMPTZ,
    date_creation           TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (boutique_id, terminal_id) REFERENCES terminaux (boutique_id, id),
    FOREIGN KEY (boutique_id, article_id) REFERENCES articles (boutique_id, id),
    FOREIGN KEY (boutique_id, mouvement_id) REFERENCES mouvements_stock (boutique_id, id),
    CHECK (lue = (date_lecture IS NOT NULL))
);

-- A till's own, newest first; its unread ones.
CREATE INDEX notifications_stock_by_terminal ON notifications_stock (terminal_id, id DESC);
CREATE INDEX notifications_stock_unread ON notifications_stock (terminal_id) WHERE NOT lue;

-- Money as the API writes it: two decimals, as a string.
CREATE FUNCTION montant_texte(m NUMERIC) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(m, 'FM999999999999990.00')
$$;

-- The article as a notification keeps it.
CREATE FUNCTION article_pour_notification(b BIGINT, a BIGINT) RETURNS JSONB LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'article_id', ar.id, 'article_code', ar.code, 'article_nom', ar.nom, 'devise', ar.devise,
        'categorie', c.nom)
    FROM articles ar LEFT JOIN categories c ON c.boutique_id = ar.boutique_id AND c.id = ar.categorie_id
    WHERE ar.boutique_id = b AND ar.id = a
$$;

CREATE FUNCTION notifier_mouvement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A tool that brings history across (an import) asks for none.
    IF current_setting('caisse.sans_notifications', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO notifications_stock (boutique_id, terminal_id, type_notification, article_id,
                                     mouvement_id, quantite_mouvement, stock_avant, stock_actuel,
                                     donnees_supplementaires)
    SELECT NEW.boutique_id, t.id,
           CASE NEW.type_mouvement WHEN 'ENTREE' THEN 'STOCK_AJOUT'
                                   WHEN 'SORTIE' THEN 'STOCK_RETRAIT'
                                   ELSE 'STOCK_AJUSTEMENT' END,
           NEW.article_id, NEW.id, NEW.quantite, NEW.stock_avant, NEW.stock_apres,
           article_pour_notification(NEW.boutique_id, NEW.article_id) || jsonb_build_object(
               'prix_vente', (SELECT montant_texte(prix_vente) FROM articles
                              WHERE boutique_id = NEW.boutique_id AND id = NEW.article_id),
               'prix_ancien', NULL,
               'type_mouvement', NEW.type_mouvement,
               'reference_document', NEW.reference_document,
               'utilisateur', NEW.utilisateur,
               'stock_avant', NEW.stock_avant,
               'stock_apres', NEW.stock_apres)
    FROM terminaux t
    WHERE t.boutique_id = NEW.boutique_id AND t.est_actif;
    RETURN NULL;
END
$$;

-- Sales and their returns notify nothing (the till made them); a count that changes nothing
-- neither. The condition is read before any function is called: a sale pays nothing for it.
CREATE TRIGGER mouvements_notifient AFTER INSERT ON mouvements_stock FOR EACH ROW
    WHEN (NEW.type_mouvement IN ('ENTREE', 'SORTIE')
          OR (NEW.type_mouvement = 'AJUSTEMENT' AND NEW.quantite <> 0))
    EXECUTE FUNCTION notifier_mouvement();

CREATE FUNCTION notifier_prix() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('caisse.sans_notifications', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO notifications_stock (boutique_id, terminal_id, type_notification, article_id,
                                     stock_avant, stock_actuel, donnees_supplementaires)
    SELECT NEW.boutique_id, t.id, 'AJUSTEMENT_PRIX', NEW.id, NEW.quantite_stock, NEW.quantite_stock,
           article_pour_notification(NEW.boutique_id, NEW.id) || jsonb_build_object(
               'prix_ancien', montant_texte(OLD.prix_vente),
               'prix_nouveau', montant_texte(NEW.prix_vente),
               'variation', montant_texte(NEW.prix_vente - OLD.prix_vente),
               'pourcentage_variation', CASE WHEN OLD.prix_vente = 0 THEN '0.00'
                   ELSE to_char(round((NEW.prix_vente - OLD.prix_vente) * 100 / OLD.prix_vente, 2),
                                'FM999999999990.00') END,
               'stock_actuel', NEW.quantite_stock)
    FROM terminaux t
    WHERE t.boutique_id = NEW.boutique_id AND t.est_actif;
    RETURN NULL;
END
$$;

-- Only when the selling price is set and changes (a sale's stock update names no price).
CREATE TRIGGER articles_notifient_prix AFTER UPDATE OF prix_vente ON articles FOR EACH ROW
    WHEN (OLD.prix_vente IS DISTINCT FROM NEW.prix_vente AND NEW.est_actif)
    EXECUTE FUNCTION notifier_prix();
