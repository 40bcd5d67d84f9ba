//! The inconsistencies Django left in its data, found over the rows kept in `django_lignes`:
//! each with its ids and what caisse did about it. Nothing is fixed silently: caisse keeps the
//! history as Django wrote it and starts its own invariants at the import.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

/// One kind of inconsistency, the Django ids it concerns, and what caisse did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub code: String,
    pub what: String,
    pub ids: Vec<String>,
    pub caisse: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 12;
        let shown = self
            .ids
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if self.ids.len() > SHOWN { ", …" } else { "" };
        write!(
            f,
            "{} ({}): {shown}{more} — {}",
            self.what,
            self.ids.len(),
            self.caisse
        )
    }
}

fn finding(code: &str, what: &str, ids: Vec<i64>, caisse: &str) -> Option<Finding> {
    (!ids.is_empty()).then(|| Finding {
        code: code.to_owned(),
        what: what.to_owned(),
        ids: ids.into_iter().map(|id| id.to_string()).collect(),
        caisse: caisse.to_owned(),
    })
}

pub(super) fn both_servers(sales: Vec<i64>) -> Finding {
    finding(
        "sales_on_both_servers",
        "Django sales caisse already holds under the same till and invoice number",
        sales,
        "stored once (caisse's); their Django movements not applied a second time",
    )
    .expect("not empty")
}

pub(super) fn gone(rows: Vec<String>) -> Finding {
    Finding {
        code: "gone_from_django".to_owned(),
        what: "rows read by an earlier import and since deleted in Django".to_owned(),
        ids: rows,
        caisse: "kept in caisse as they were".to_owned(),
    }
}

/// Every inconsistency of the Django data now kept.
pub(super) async fn collect(conn: &mut PgConnection) -> Result<Vec<Finding>, sqlx::Error> {
    let mut found = Vec::new();

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(a.id ORDER BY a.id), '{}') AS "ids!"
           FROM django_articles a
           JOIN (SELECT DISTINCT ON (article_id) article_id, stock_avant FROM django_mouvements
                 ORDER BY article_id, date_mouvement, id) premier ON premier.article_id = a.id
           JOIN (SELECT article_id, sum(quantite) AS total FROM django_mouvements
                 GROUP BY article_id) somme ON somme.article_id = a.id
           WHERE a.quantite_stock <> COALESCE(premier.stock_avant, 0) + somme.total"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "stock_not_sum_of_movements",
        "articles whose stock differs from their stock before the first movement plus their movements",
        ids,
        "history kept as written; caisse's journal starts at the import",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(a.id ORDER BY a.id), '{}') AS "ids!"
           FROM django_articles a
           JOIN (SELECT DISTINCT ON (article_id) article_id, stock_apres, stock_avant, quantite
                 FROM django_mouvements
                 ORDER BY article_id, date_mouvement DESC, id DESC) dernier ON dernier.article_id = a.id
           WHERE a.quantite_stock <> COALESCE(dernier.stock_apres, dernier.stock_avant + dernier.quantite)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "stock_not_last_movement",
        "articles whose stock differs from where their last movement left it",
        ids,
        "an opening AJUSTEMENT movement (REPRISE-DJANGO) brings the journal to Django's stock",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(id ORDER BY id), '{}') AS "ids!"
           FROM (SELECT m.id, m.stock_avant,
                        lag(m.stock_apres) OVER (PARTITION BY m.article_id
                                                 ORDER BY m.date_mouvement, m.id) AS precedent
                 FROM django_mouvements m) c
           WHERE c.stock_avant <> c.precedent"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "movement_chain_broken",
        "movements whose stock before differs from the stock the previous one left",
        ids,
        "kept as written, outside caisse check",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(id ORDER BY id), '{}') AS "ids!"
           FROM django_mouvements WHERE stock_avant IS NULL OR stock_apres IS NULL"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "movement_without_stock",
        "movements with no stock before or after",
        ids,
        "brought with the stock before taken from the movement before it",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(id ORDER BY id), '{}') AS "ids!"
           FROM django_mouvements WHERE stock_apres - stock_avant <> quantite"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "movement_does_not_add_up",
        "movements whose stock after is not stock before plus quantity",
        ids,
        "brought with stock after = stock before + quantity; Django's figures kept in django_lignes",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(v.id ORDER BY v.id), '{}') AS "ids!"
           FROM django_ventes v
           WHERE NOT EXISTS (SELECT 1 FROM django_lignes_vente l WHERE l.vente_id = v.id)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "sale_without_lines",
        "sales without lines",
        ids,
        "brought as they are, outside caisse check",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(v.id ORDER BY v.id), '{}') AS "ids!"
           FROM django_ventes v
           JOIN (SELECT vente_id, sum(quantite * prix_unitaire) AS total,
                        sum(quantite * COALESCE(prix_unitaire_usd, prix_unitaire)) AS total_usd
                 FROM django_lignes_vente GROUP BY vente_id) l ON l.vente_id = v.id
           WHERE CASE WHEN v.devise = 'USD' THEN l.total_usd ELSE l.total END <> CASE WHEN v.devise = 'USD' AND v.montant_total = 0
                                 THEN v.montant_total_usd ELSE v.montant_total END"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "sale_total_not_lines",
        "sales whose total differs from their lines",
        ids,
        "brought with Django's total, outside caisse check",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(m.id ORDER BY m.id), '{}') AS "ids!"
           FROM django_mouvements m
           JOIN django_articles a ON a.id = m.article_id
           WHERE m.type_mouvement = 'VENTE'
             AND NOT EXISTS (SELECT 1 FROM django_ventes v
                             WHERE v.boutique_id = a.boutique_id
                               AND v.numero_facture = m.reference_document)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "sale_movement_without_sale",
        "VENTE movements naming no sale",
        ids,
        "brought as they are (their stock change stays in the journal)",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(id ORDER BY id), '{}') AS "ids!"
           FROM django_articles WHERE quantite_stock < 0"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "negative_stock",
        "articles with a negative stock",
        ids,
        "brought with that stock",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(v.id ORDER BY v.id), '{}') AS "ids!"
           FROM django_ventes v
           JOIN (SELECT boutique_id, numero_facture FROM django_ventes
                 GROUP BY boutique_id, numero_facture
                 HAVING count(DISTINCT client_maui_id) > 1) partage
             ON partage.boutique_id = v.boutique_id AND partage.numero_facture = v.numero_facture"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "number_on_two_tills",
        "sales whose invoice number another till of the shop also used",
        ids,
        "both brought, each under its own till",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(id ORDER BY id), '{}') AS "ids!"
           FROM django_ventes
           WHERE devise = 'USD' AND montant_total = 0 AND montant_total_usd > 0"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "usd_sale_total_in_usd_column",
        "USD sales with their total in montant_total_usd and 0 in montant_total (the others have it in both)",
        ids,
        "stored as every caisse USD sale: the dollar total in montant_total and montant_total_usd",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(id ORDER BY id), '{}') AS "ids!"
           FROM django_lignes_vente WHERE quantite <= 0"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "line_without_quantity",
        "sale lines of no quantity",
        ids,
        "not brought (a caisse line sells at least one unit); kept in django_lignes",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(l.id ORDER BY l.id), '{}') AS "ids!"
           FROM django_lignes_vente l
           WHERE l.quantite > 0
             AND NOT EXISTS (SELECT 1 FROM lignes_vente x WHERE x.id = l.id)
             AND NOT EXISTS (SELECT 1 FROM django_lignes d
                             WHERE d.nature = 'inventory_vente' AND d.id = l.vente_id
                               AND d.motif_ecart IS NOT NULL)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "line_not_brought",
        "sale lines caisse could not take (article of another shop, or a negative price)",
        ids,
        "not brought; kept in django_lignes",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(v.id ORDER BY v.id), '{}') AS "ids!"
           FROM django_ventes v
           JOIN django_lignes d ON d.nature = 'inventory_vente' AND d.id = v.id
           WHERE d.motif_ecart IS NULL
             AND NOT EXISTS (SELECT 1 FROM ventes x WHERE x.boutique_id = v.boutique_id AND x.id = v.id)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "sale_not_brought",
        "sales caisse could not take (till of another shop, no invoice number, or an id caisse already used)",
        ids,
        "not brought; kept in django_lignes",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(a.id ORDER BY a.id), '{}') AS "ids!"
           FROM django_articles a
           WHERE NOT EXISTS (SELECT 1 FROM articles x WHERE x.boutique_id = a.boutique_id AND x.id = a.id)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "article_not_brought",
        "articles caisse could not take (no shop, no name, or a negative price)",
        ids,
        "not brought; kept in django_lignes",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(a.id ORDER BY a.id), '{}') AS "ids!"
           FROM django_articles a
           JOIN django_categories c ON c.id = a.categorie_id
           WHERE c.boutique_id IS DISTINCT FROM a.boutique_id"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "article_in_other_shops_category",
        "articles filed under another shop's category",
        ids,
        "brought without a category",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(a.id ORDER BY a.id), '{}') AS "ids!"
           FROM django_articles a
           WHERE a.categorie_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM django_categories c WHERE c.id = a.categorie_id)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "article_category_gone",
        "articles whose category no longer exists",
        ids,
        "brought without a category",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(id ORDER BY id), '{}') AS "ids!"
           FROM django_boutiques WHERE est_depot"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "depot",
        "depots (Django's stock rooms, without tills)",
        ids,
        "brought as depots (est_depot), shops without tills; their past transfers are kept in django_lignes",
    ));

    let ids = sqlx::query_scalar!(
        r#"SELECT COALESCE(array_agg(id ORDER BY id), '{}') AS "ids!"
           FROM django_variantes WHERE quantite_stock <> 0"#
    )
    .fetch_one(&mut *conn)
    .await?;
    found.extend(finding(
        "variant_stock",
        "variants with a stock of their own",
        ids,
        "brought; a caisse variant sells from its article's stock, Django's figure kept in django_lignes",
    ));

    for row in sqlx::query!(
        r#"SELECT nature AS "nature!", array_agg(id ORDER BY id) AS "ids!"
           FROM django_lignes
           WHERE nature IN ('inventory_transfertstock', 'inventory_notificationstock',
                            'inventory_journalvaleurstock')
           GROUP BY nature ORDER BY nature"#
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let table = row.nature.trim_start_matches("inventory_").to_owned();
        found.extend(finding(
            &format!("kept_{table}"),
            &format!("Django {table} rows, which caisse has no table for"),
            row.ids,
            "kept in django_lignes",
        ));
    }
    Ok(found)
}
