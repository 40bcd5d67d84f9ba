-- What the returns of a sale gave back, in the sale's currency, kept on the sale so that
-- revenue (total less returned, cancelled sales left out) stays one sum over `ventes`: the
-- live dashboard reads it every second of a busy shop. Written with the returned units, in
-- the return's transaction, under the sale's row lock; a line in the other currency counts
-- at the sale's rate, rounded per line, exactly as in `montant_total`. A cancellation
-- leaves it as it was: a cancelled sale counts in no revenue.
ALTER TABLE ventes
    ADD COLUMN montant_retourne NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (montant_retourne >= 0);

UPDATE ventes v
SET montant_retourne = r.montant
FROM (SELECT lv.boutique_id, lv.vente_id,
             sum(CASE WHEN lv.devise = x.devise THEN lv.quantite_retournee * lv.prix_unitaire
                      WHEN x.devise = 'CDF'
                           THEN round(lv.quantite_retournee * lv.prix_unitaire * x.taux_dollar, 2)
                      ELSE round(lv.quantite_retournee * lv.prix_unitaire / x.taux_dollar, 2)
                 END) AS montant
      FROM lignes_vente lv
      JOIN ventes x ON x.boutique_id = lv.boutique_id AND x.id = lv.vente_id
      WHERE lv.quantite_retournee > 0 AND NOT x.annulee
      GROUP BY lv.boutique_id, lv.vente_id) r
WHERE v.boutique_id = r.boutique_id AND v.id = r.vente_id AND NOT v.annulee;
