-- Every change of an article's selling price, with the stock it applied to, written by the
-- database whoever changes the price: the stock-value journal (API-D1.md §3.8) values each
-- past day at the prices then in force, and counts what a change did to the stock's value.
CREATE TABLE historique_prix (
    id              BIGSERIAL PRIMARY KEY,
    boutique_id     BIGINT NOT NULL,
    article_id      BIGINT NOT NULL,
    date_changement TIMESTAMPTZ NOT NULL DEFAULT now(),
    prix_ancien     NUMERIC(12, 2) NOT NULL,
    prix_nouveau    NUMERIC(12, 2) NOT NULL,
    stock           INTEGER NOT NULL,
    FOREIGN KEY (boutique_id, article_id) REFERENCES articles (boutique_id, id)
);
CREATE INDEX historique_prix_par_article ON historique_prix (boutique_id, article_id, date_changement);
CREATE INDEX historique_prix_par_date ON historique_prix (boutique_id, date_changement);

CREATE FUNCTION historiser_prix() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO historique_prix (boutique_id, article_id, prix_ancien, prix_nouveau, stock)
    VALUES (NEW.boutique_id, NEW.id, OLD.prix_vente, NEW.prix_vente, NEW.quantite_stock);
    RETURN NULL;
END
$$;

-- A sale's stock update names no price: the condition is false on the sale path.
CREATE TRIGGER articles_historisent_prix AFTER UPDATE OF prix_vente ON articles FOR EACH ROW
    WHEN (OLD.prix_vente IS DISTINCT FROM NEW.prix_vente)
    EXECUTE FUNCTION historiser_prix();
