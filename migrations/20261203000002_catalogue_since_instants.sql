-- The 2026 tills ask for what changed since an instant, not only since a token: a deleted
-- category keeps when it was deleted, and a change to a variant is a change to its article
-- (its `last_updated`, `version` and delta stamp), as the tills refresh variants with it.
ALTER TABLE categories_supprimees
    ADD COLUMN date_suppression TIMESTAMPTZ NOT NULL DEFAULT now();
-- (No index on articles.last_updated: a sale updates it, and an indexed column would take
-- the stock update off PostgreSQL's HOT path. A shop's articles are read by boutique.)

CREATE FUNCTION variante_estampille_article() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v variantes_articles;
BEGIN
    IF TG_OP = 'DELETE' THEN v := OLD; ELSE v := NEW; END IF;
    UPDATE articles
       SET modif_txid = pg_current_xact_id()::text::bigint, last_updated = now(),
           version = version + 1
     WHERE boutique_id = v.boutique_id AND id = v.article_parent_id;
    IF TG_OP = 'UPDATE' AND OLD.article_parent_id <> NEW.article_parent_id THEN
        UPDATE articles
           SET modif_txid = pg_current_xact_id()::text::bigint, last_updated = now(),
               version = version + 1
         WHERE boutique_id = OLD.boutique_id AND id = OLD.article_parent_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER variantes_estampille AFTER INSERT OR UPDATE OR DELETE ON variantes_articles
    FOR EACH ROW EXECUTE FUNCTION variante_estampille_article();
