//! The invariants of the stock journal and the sales, checked over the whole database.
//!
//! - every article's stock is its initial stock plus the sum of its movements;
//! - each article's movements chain: the first starts from the initial stock, each next one
//!   from where the previous one ended (`stock_apres = stock_avant + quantite` is a CHECK);
//! - every sale has lines, its total is the sum of its lines, and its `VENTE` movements take
//!   out exactly what its lines sold;
//! - each boutique's stock alert counts are those of its articles;
//! - what a sale line gave back (returns, cancellation) is what its `RETOUR` movements
//!   restored (a line gives back at most what it sold: a CHECK);
//! - what a sale standing (not cancelled) says its returns gave back (`montant_retourne`,
//!   which revenue subtracts) is the value of its lines' given-back units;
//! - every transfer's `TRANSFERT-<id>` movements are what its lines say: out of the sender
//!   what was sent, back what was refused; into the receiver what was received; and units
//!   in transit still await the receiver (its article's `quantite_envoyee` covers them).
//!
//! The one-sale-per-invoice and same-shop rules are enforced by the schema's keys.
//!
//! Sales and movements brought from Django (`reprise`) are history as Django wrote it: the
//! invariants hold from the import on (each imported article's journal starts at its
//! `stock_initial`), and what Django left inconsistent is in the import's report.

use sqlx::PgPool;

/// One broken invariant, described for an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub boutique_id: i64,
    pub what: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "boutique {}: {}", self.boutique_id, self.what)
    }
}

pub async fn check_invariants(pool: &PgPool) -> Result<Vec<Violation>, sqlx::Error> {
    let mut violations = Vec::new();

    for row in sqlx::query!(
        r#"SELECT a.boutique_id, a.id, a.code, a.stock_initial, a.quantite_stock,
                  COALESCE(sum(m.quantite), 0)::int8 AS "mouvements!"
           FROM articles a
           LEFT JOIN mouvements_stock m ON m.boutique_id = a.boutique_id AND m.article_id = a.id
                                       AND NOT m.reprise
           GROUP BY a.boutique_id, a.id
           HAVING a.quantite_stock <> a.stock_initial + COALESCE(sum(m.quantite), 0)
           ORDER BY a.boutique_id, a.id"#
    )
    .fetch_all(pool)
    .await?
    {
        violations.push(Violation {
            boutique_id: row.boutique_id,
            what: format!(
                "article {} ({}): stock {} but initial stock {} plus movements {} makes {}",
                row.id,
                row.code,
                row.quantite_stock,
                row.stock_initial,
                row.mouvements,
                i64::from(row.stock_initial) + row.mouvements
            ),
        });
    }

    for row in sqlx::query!(
        r#"SELECT m.boutique_id AS "boutique_id!", m.article_id AS "article_id!", m.id AS "id!",
                  m.stock_avant AS "stock_avant!", m.expected AS "expected!"
           FROM (
               SELECT mv.boutique_id, mv.article_id, mv.id, mv.stock_avant,
                      COALESCE(lag(mv.stock_apres) OVER (PARTITION BY mv.boutique_id, mv.article_id ORDER BY mv.id),
                               a.stock_initial) AS expected
               FROM mouvements_stock mv
               JOIN articles a ON a.boutique_id = mv.boutique_id AND a.id = mv.article_id
               WHERE NOT mv.reprise
           ) m
           WHERE m.stock_avant <> m.expected
           ORDER BY m.boutique_id, m.article_id, m.id"#
    )
    .fetch_all(pool)
    .await?
    {
        violations.push(Violation {
            boutique_id: row.boutique_id,
            what: format!(
                "article {}: movement {} starts from {} where the previous one left {}",
                row.article_id, row.id, row.stock_avant, row.expected
            ),
        });
    }

    for row in sqlx::query!(
        r#"SELECT v.boutique_id, v.id, v.numero_facture, v.montant_total,
                  l.total AS "lignes_total?", l.quantite AS "lignes_quantite?",
                  m.quantite AS "mouvements_quantite?"
           FROM ventes v
           -- A line in the other currency counts at the sale's rate, rounded per line.
           LEFT JOIN LATERAL (
               SELECT sum(valeur_ligne(lv.quantite, lv.prix_unitaire, lv.devise, v.devise,
                                       v.taux_dollar)) AS total,
                      sum(lv.quantite)::int8 AS quantite
               FROM lignes_vente lv
               WHERE lv.boutique_id = v.boutique_id AND lv.vente_id = v.id
               HAVING count(*) > 0) l ON true
           LEFT JOIN (SELECT boutique_id, vente_id, -sum(quantite)::int8 AS quantite
                      FROM mouvements_stock WHERE type_mouvement = 'VENTE' AND NOT reprise
                      GROUP BY boutique_id, vente_id) m
             ON m.boutique_id = v.boutique_id AND m.vente_id = v.id
           WHERE NOT v.reprise AND (l.total IS NULL OR l.total <> v.montant_total
              OR m.quantite IS DISTINCT FROM l.quantite)
           ORDER BY v.boutique_id, v.id"#
    )
    .fetch_all(pool)
    .await?
    {
        let what = match (
            row.lignes_total,
            row.lignes_quantite,
            row.mouvements_quantite,
        ) {
            (None, _, _) => "has no lines".to_owned(),
            (Some(total), _, _) if total != row.montant_total => {
                format!(
                    "total {} but its lines add up to {total}",
                    row.montant_total
                )
            }
            (_, lines, movements) => format!(
                "lines sold {} units but its movements took out {}",
                lines.unwrap_or(0),
                movements.unwrap_or(0)
            ),
        };
        violations.push(Violation {
            boutique_id: row.boutique_id,
            what: format!("sale {} ({}) {what}", row.id, row.numero_facture),
        });
    }

    for row in sqlx::query!(
        r#"SELECT l.boutique_id, l.id, l.vente_id, l.quantite_retournee,
                  COALESCE(m.rendu, 0)::int8 AS "rendu!"
           FROM lignes_vente l
           LEFT JOIN (SELECT boutique_id, ligne_vente_id, sum(quantite) AS rendu
                      FROM mouvements_stock WHERE type_mouvement = 'RETOUR'
                        AND ligne_vente_id IS NOT NULL
                      GROUP BY boutique_id, ligne_vente_id) m
             ON m.boutique_id = l.boutique_id AND m.ligne_vente_id = l.id
           WHERE l.quantite_retournee <> COALESCE(m.rendu, 0)
             AND NOT EXISTS (SELECT 1 FROM ventes v
                             WHERE v.boutique_id = l.boutique_id AND v.id = l.vente_id AND v.reprise)
           ORDER BY l.boutique_id, l.id"#
    )
    .fetch_all(pool)
    .await?
    {
        violations.push(Violation {
            boutique_id: row.boutique_id,
            what: format!(
                "sale {} line {}: {} units given back, but its RETOUR movements restored {}",
                row.vente_id, row.id, row.quantite_retournee, row.rendu
            ),
        });
    }

    for row in sqlx::query!(
        r#"SELECT v.boutique_id, v.id, v.numero_facture, v.montant_retourne, l.rendu AS "rendu!"
           FROM ventes v
           -- Priced as `montant_total` is: the other currency at the sale's rate, per line.
           JOIN LATERAL (
               SELECT COALESCE(sum(valeur_ligne(lv.quantite_retournee, lv.prix_unitaire,
                                                lv.devise, v.devise, v.taux_dollar)), 0) AS rendu
               FROM lignes_vente lv
               WHERE lv.boutique_id = v.boutique_id AND lv.vente_id = v.id) l ON true
           WHERE NOT v.reprise AND NOT v.annulee AND l.rendu <> v.montant_retourne
           ORDER BY v.boutique_id, v.id"#
    )
    .fetch_all(pool)
    .await?
    {
        violations.push(Violation {
            boutique_id: row.boutique_id,
            what: format!(
                "sale {} ({}) says its returns gave back {}, but its lines gave back {}",
                row.id, row.numero_facture, row.montant_retourne, row.rendu
            ),
        });
    }

    for row in sqlx::query!(
        r#"SELECT b.id, c.stock_bas AS "compte_bas?", c.stock_zero AS "compte_zero?",
                  count(a.id) FILTER (WHERE a.est_actif AND a.quantite_stock <= b.alerte_stock_bas) AS "bas!",
                  count(a.id) FILTER (WHERE a.est_actif AND a.quantite_stock <= 0) AS "zero!"
           FROM boutiques b
           LEFT JOIN compteurs_stock c ON c.boutique_id = b.id
           LEFT JOIN articles a ON a.boutique_id = b.id
           GROUP BY b.id, c.stock_bas, c.stock_zero
           HAVING c.stock_bas IS DISTINCT FROM count(a.id) FILTER (WHERE a.est_actif AND a.quantite_stock <= b.alerte_stock_bas)::int
               OR c.stock_zero IS DISTINCT FROM count(a.id) FILTER (WHERE a.est_actif AND a.quantite_stock <= 0)::int
           ORDER BY b.id"#
    )
    .fetch_all(pool)
    .await?
    {
        violations.push(Violation {
            boutique_id: row.id,
            what: format!(
                "stock alert counts {:?} low / {:?} at zero, but {} low / {} at zero",
                row.compte_bas, row.compte_zero, row.bas, row.zero
            ),
        });
    }

    for row in sqlx::query!(
        r#"SELECT t.id, t.boutique_source_id, t.boutique_destination_id,
                  l.attendu_source AS "attendu_source!", l.attendu_destination AS "attendu_destination!",
                  COALESCE(ms.quantite, 0)::int8 AS "source!",
                  COALESCE(md.quantite, 0)::int8 AS "destination!"
           FROM transferts t
           JOIN LATERAL (
               SELECT sum(CASE WHEN statut = 'REFUSEE' THEN 0 ELSE -quantite_envoyee END)::int8
                          AS attendu_source,
                      COALESCE(sum(quantite_recue), 0)::int8 AS attendu_destination
               FROM lignes_transfert WHERE transfert_id = t.id) l ON true
           LEFT JOIN LATERAL (
               SELECT sum(quantite) AS quantite FROM mouvements_stock
               WHERE boutique_id = t.boutique_source_id
                 AND reference_document = 'TRANSFERT-' || t.id) ms ON true
           LEFT JOIN LATERAL (
               SELECT sum(quantite) AS quantite FROM mouvements_stock
               WHERE boutique_id = t.boutique_destination_id
                 AND reference_document = 'TRANSFERT-' || t.id) md ON true
           WHERE l.attendu_source <> COALESCE(ms.quantite, 0)
              OR l.attendu_destination <> COALESCE(md.quantite, 0)
           ORDER BY t.id"#
    )
    .fetch_all(pool)
    .await?
    {
        violations.push(Violation {
            boutique_id: row.boutique_source_id,
            what: format!(
                "transfer {} to boutique {}: its lines move {} out of the sender and {} into \
                 the receiver, but its movements moved {} and {}",
                row.id,
                row.boutique_destination_id,
                row.attendu_source,
                row.attendu_destination,
                row.source,
                row.destination
            ),
        });
    }

    for row in sqlx::query!(
        r#"SELECT a.boutique_id, a.id, a.code, a.quantite_envoyee,
                  sum(l.quantite_envoyee)::int8 AS "en_transit!"
           FROM lignes_transfert l
           JOIN articles a ON a.boutique_id = l.boutique_destination_id
                          AND a.id = l.article_destination_id
           WHERE l.statut = 'EN_TRANSIT'
           GROUP BY a.boutique_id, a.id
           HAVING a.quantite_envoyee < sum(l.quantite_envoyee)
           ORDER BY a.boutique_id, a.id"#
    )
    .fetch_all(pool)
    .await?
    {
        violations.push(Violation {
            boutique_id: row.boutique_id,
            what: format!(
                "article {} ({}): {} units in transit to it, but only {} await confirmation",
                row.id, row.code, row.en_transit, row.quantite_envoyee
            ),
        });
    }

    Ok(violations)
}
