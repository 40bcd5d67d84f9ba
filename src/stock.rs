//! Stock changes other than sales (deliveries, adjustments, corrections): the same
//! discipline as the sale path. The articles are locked `FOR UPDATE` in ascending id order,
//! each change writes a movement with the stock before and after, and the stock and its
//! movements are written in the caller's transaction.

use sqlx::PgConnection;
use std::collections::HashMap;

/// The kinds of stock movement, as stored and as the tills read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementType {
    Entree,
    Sortie,
    Ajustement,
    Vente,
    Retour,
}

impl MovementType {
    pub const ALL: &'static [&'static str] = &["ENTREE", "SORTIE", "AJUSTEMENT", "VENTE", "RETOUR"];

    pub fn as_str(self) -> &'static str {
        match self {
            MovementType::Entree => "ENTREE",
            MovementType::Sortie => "SORTIE",
            MovementType::Ajustement => "AJUSTEMENT",
            MovementType::Vente => "VENTE",
            MovementType::Retour => "RETOUR",
        }
    }
}

/// What to do to an article's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Set the stock to this (an inventory count).
    SetTo(i32),
    /// Add this many (negative takes out).
    Add(i32),
}

#[derive(Debug, Clone)]
pub struct StockChange {
    pub article_id: i64,
    pub kind: MovementType,
    pub change: Change,
    pub reference_document: Option<String>,
    pub utilisateur: String,
    pub commentaire: Option<String>,
    /// The sale line a `RETOUR` gives back: (sale id, line id).
    pub sale_line: Option<(i64, i64)>,
}

/// A change as applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub article_id: i64,
    pub nom: String,
    pub code: String,
    pub stock_avant: i32,
    pub stock_apres: i32,
    pub movement_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StockError {
    #[error("article {0} not found in this boutique")]
    ArticleNotFound(i64),
    #[error(
        "article {article_id}: the stock would leave the range of whole numbers or go below zero"
    )]
    OutOfRange { article_id: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Applies `changes`, in order, to articles of `boutique_id` (active or not). Nothing is
/// written if any change cannot be applied; the caller commits.
pub async fn apply(
    conn: &mut PgConnection,
    boutique_id: i64,
    changes: &[StockChange],
) -> Result<Vec<Applied>, StockError> {
    let mut ids: Vec<i64> = changes.iter().map(|c| c.article_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut articles: HashMap<i64, (String, String, i32)> = sqlx::query!(
        r#"SELECT id, nom, code, quantite_stock FROM articles
           WHERE boutique_id = $1 AND id = ANY($2)
           ORDER BY id
           FOR UPDATE"#,
        boutique_id,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| (row.id, (row.nom, row.code, row.quantite_stock)))
    .collect();

    let mut planned = Vec::with_capacity(changes.len());
    for change in changes {
        let (nom, code, stock) = articles
            .get_mut(&change.article_id)
            .ok_or(StockError::ArticleNotFound(change.article_id))?;
        let before = *stock;
        let after = match change.change {
            Change::SetTo(value) => Some(value),
            Change::Add(delta) => before.checked_add(delta),
        }
        .filter(|after| *after >= 0 || *after >= before)
        .filter(|after| after.checked_sub(before).is_some())
        .ok_or(StockError::OutOfRange {
            article_id: change.article_id,
        })?;
        *stock = after;
        planned.push((change, nom.clone(), code.clone(), before, after));
    }

    let (final_ids, final_stock): (Vec<i64>, Vec<i32>) = articles
        .iter()
        .map(|(id, (_, _, stock))| (*id, *stock))
        .unzip();
    sqlx::query!(
        r#"UPDATE articles AS a
           SET quantite_stock = s.stock, modif_txid = pg_current_xact_id()::text::bigint
           FROM unnest($2::int8[], $3::int4[]) AS s(id, stock)
           WHERE a.boutique_id = $1 AND a.id = s.id AND a.quantite_stock <> s.stock"#,
        boutique_id,
        &final_ids,
        &final_stock
    )
    .execute(&mut *conn)
    .await?;

    let mut applied = Vec::with_capacity(planned.len());
    for (change, nom, code, before, after) in planned {
        let movement_id = sqlx::query_scalar!(
            r#"INSERT INTO mouvements_stock (boutique_id, article_id, type_mouvement, quantite,
                                             stock_avant, stock_apres, reference_document,
                                             utilisateur, commentaire, vente_id, ligne_vente_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
               RETURNING id"#,
            boutique_id,
            change.article_id,
            change.kind.as_str(),
            after - before,
            before,
            after,
            change.reference_document,
            change.utilisateur,
            change.commentaire,
            change.sale_line.map(|(vente, _)| vente),
            change.sale_line.map(|(_, ligne)| ligne)
        )
        .fetch_one(&mut *conn)
        .await?;
        applied.push(Applied {
            article_id: change.article_id,
            nom,
            code,
            stock_avant: before,
            stock_apres: after,
            movement_id,
        });
    }
    Ok(applied)
}
