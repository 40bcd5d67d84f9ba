-- What a sale line is worth in its sale's currency: its own currency as it is; the other at
-- the sale's rate, rounded per line, as `montant_total` counts it. One rule for every query
-- that values lines (a return's amount, the checks of totals and returns).
CREATE FUNCTION valeur_ligne(quantite NUMERIC, prix_unitaire NUMERIC, devise_ligne TEXT,
                             devise_vente TEXT, taux_dollar NUMERIC) RETURNS NUMERIC
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN devise_ligne = devise_vente THEN quantite * prix_unitaire
                WHEN devise_vente = 'CDF' THEN round(quantite * prix_unitaire * taux_dollar, 2)
                ELSE round(quantite * prix_unitaire / taux_dollar, 2)
           END
$$;
