-- Each boutique's stock alerts (active articles at or below its low-stock threshold, and at
-- or below zero), counted by the database as stock changes, so that reading them costs one
-- row instead of a scan of the catalogue. Triggers fire only when an article crosses a
-- threshold (their WHEN clauses are checked without running any function), so the sale
-- path pays nothing in the common case, and no code path can forget to keep them.

-- The boutique's threshold, copied on each article so that a trigger's WHEN clause can see it.
ALTER TABLE articles ADD COLUMN seuil_alerte INTEGER NOT NULL DEFAULT 5;
UPDATE articles AS a SET seuil_alerte = b.alerte_stock_bas FROM boutiques AS b WHERE b.id = a.boutique_id;

CREATE TABLE compteurs_stock (
    boutique_id BIGINT PRIMARY KEY REFERENCES boutiques (id) ON DELETE CASCADE,
    stock_bas   INTEGER NOT NULL DEFAULT 0,
    stock_zero  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO compteurs_stock (boutique_id, stock_bas, stock_zero)
SELECT b.id,
       count(a.id) FILTER (WHERE a.est_actif AND a.quantite_stock <= a.seuil_alerte),
       count(a.id) FILTER (WHERE a.est_actif AND a.quantite_stock <= 0)
FROM boutiques AS b LEFT JOIN articles AS a ON a.boutique_id = b.id
GROUP BY b.id;

CREATE FUNCTION compteurs_stock_nouvelle_boutique() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO compteurs_stock (boutique_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER boutiques_compteurs AFTER INSERT ON boutiques
    FOR EACH ROW EXECUTE FUNCTION compteurs_stock_nouvelle_boutique();

-- A new article takes its boutique's threshold; a new threshold reaches every article
-- (and, through the trigger below, the counts).
CREATE FUNCTION seuil_alerte_nouvel_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT alerte_stock_bas INTO NEW.seuil_alerte FROM boutiques WHERE id = NEW.boutique_id;
    RETURN NEW;
END $$;
CREATE TRIGGER articles_seuil BEFORE INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION seuil_alerte_nouvel_article();

CREATE FUNCTION seuil_alerte_boutique() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE articles SET seuil_alerte = NEW.alerte_stock_bas WHERE boutique_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER boutiques_seuil AFTER UPDATE OF alerte_stock_bas ON boutiques
    FOR EACH ROW WHEN (OLD.alerte_stock_bas <> NEW.alerte_stock_bas)
    EXECUTE FUNCTION seuil_alerte_boutique();

CREATE FUNCTION compteurs_stock_article() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bas_avant int := 0;
    zero_avant int := 0;
    bas_apres int := 0;
    zero_apres int := 0;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.est_actif THEN
        bas_avant := (OLD.quantite_stock <= OLD.seuil_alerte)::int;
        zero_avant := (OLD.quantite_stock <= 0)::int;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.est_actif THEN
        bas_apres := (NEW.quantite_stock <= NEW.seuil_alerte)::int;
        zero_apres := (NEW.quantite_stock <= 0)::int;
    END IF;
    UPDATE compteurs_stock
    SET stock_bas = stock_bas + bas_apres - bas_avant,
        stock_zero = stock_zero + zero_apres - zero_avant
    WHERE boutique_id = CASE WHEN TG_OP = 'DELETE' THEN OLD.boutique_id ELSE NEW.boutique_id END;
    RETURN NULL;
END $$;
CREATE TRIGGER articles_compteurs_insert AFTER INSERT ON articles
    FOR EACH ROW WHEN (NEW.est_actif AND NEW.quantite_stock <= GREATEST(NEW.seuil_alerte, 0))
    EXECUTE FUNCTION compteurs_stock_article();
CREATE TRIGGER articles_compteurs_update AFTER UPDATE ON articles
    FOR EACH ROW WHEN (
        (OLD.est_actif AND OLD.quantite_stock <= OLD.seuil_alerte)
            IS DISTINCT FROM (NEW.est_actif AND NEW.quantite_stock <= NEW.seuil_alerte)
        OR (OLD.est_actif AND OLD.quantite_stock <= 0)
            IS DISTINCT FROM (NEW.est_actif AND NEW.quantite_stock <= 0)
    )
    EXECUTE FUNCTION compteurs_stock_article();
CREATE TRIGGER articles_compteurs_delete AFTER DELETE ON articles
    FOR EACH ROW WHEN (OLD.est_actif AND OLD.quantite_stock <= GREATEST(OLD.seuil_alerte, 0))
    EXECUTE FUNCTION compteurs_stock_article();
